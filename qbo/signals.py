"""What the core tells other code, as Django signals (sent after the change is committed).

Every signal is sent with ``sender`` the model class it concerns and ``company_id``.
"""

from django.dispatch import Signal

# A company connected (or reconnected) QuickBooks: connection=
connection_connected = Signal()
# QuickBooks stopped accepting the grant (invalid_grant, a 401 after refresh, 403, or tokens
# that can't be decrypted): connection=, reason=
connection_needs_reconnect = Signal()
# Someone disconnected: connection=, revoked= (False if Intuit couldn't be told)
connection_disconnected = Signal()
# Intuit's five-year limit on the grant is near: connection=, expires_at=
connection_expiring = Signal()
# A sync applied an entity's changes (a CDC page, a resync, or a whole full import, once
# after its last page): entity= (the QBO name), rows=
entity_synced = Signal()
