"""What happens to orders, for other code (sent after the change is committed).

Every signal is sent with ``sender=Order``, ``company_id`` and ``order_id``. ``order_changed``
is the exception: it is sent *inside* the transaction that makes any of the other changes, for
listeners whose rows must commit or roll back with the change (outgoing events, invariant 10);
a worker dying between the commit and an after-commit receiver would lose them.
"""

from django.db import transaction
from django.dispatch import Signal

# The order's invoice exists in QuickBooks: invoice_id=
order_synced = Signal()
# QuickBooks refused the invoice: error= (QuickBooks' words), code=, intuit_tid=
order_failed = Signal()
# QuickBooks says the invoice is paid, or partly: payment_status= ("paid" or "partially_paid")
order_paid = Signal()
# The order's invoice was voided in QuickBooks (seen by a sync of invoice changes)
invoice_voided = Signal()
# Inside the change's transaction: change= (one of the above signals), and that signal's arguments.
order_changed = Signal()


def announce(signal: Signal, sender, *, company_id: int, order_id: int, **details) -> None:
    """Tell in-transaction listeners now and everyone else once the change has committed."""
    order_changed.send(sender, change=signal, company_id=company_id, order_id=order_id, **details)
    transaction.on_commit(
        lambda: signal.send_robust(sender, company_id=company_id, order_id=order_id, **details)
    )
