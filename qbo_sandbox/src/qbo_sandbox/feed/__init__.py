"""What changed: Change Data Capture and signed webhooks with Intuit's delivery rules."""
