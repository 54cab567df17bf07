"""The demo UI: companies, customers, invoices, payments, fault switches and webhooks."""
