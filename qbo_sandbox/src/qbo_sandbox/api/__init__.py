"""The Accounting API v3: the gateway (auth, throttle, requestid), handlers, batch, PDFs."""
