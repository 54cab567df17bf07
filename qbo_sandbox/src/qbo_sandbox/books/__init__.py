"""What one QuickBooks company holds: the store, its clock, the one write path, seed data."""
