"""Every outgoing event, for in-process code (sent after it is committed).

Sent with ``sender=OutgoingEvent``, ``company_id``, ``event_id`` (empty when no endpoint wants
the event, so none was stored), ``type`` and ``data`` (the same JSON the endpoints get).
"""

from django.dispatch import Signal

event_recorded = Signal()
