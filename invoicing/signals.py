"""What happens to orders, for other code (sent after the change is committed).

Every signal is sent with ``sender=Order``, ``company_id`` and ``order_id``.
"""

from django.dispatch import Signal

# The order's invoice exists in QuickBooks: invoice_id=
order_synced = Signal()
# QuickBooks refused the invoice: error= (QuickBooks' words), code=, intuit_tid=
order_failed = Signal()
# QuickBooks says the invoice is paid, or partly: payment_status= ("paid" or "partially_paid")
order_paid = Signal()
# The order's invoice was voided in QuickBooks (seen by a sync of invoice changes)
invoice_voided = Signal()
