"""Every outgoing event, for in-process code (sent after it is committed).

Sent with ``sender=OutgoingEvent``, ``company_id``, ``event_id``, ``type`` and ``data`` (the
same JSON the webhook endpoints get).
"""

from django.dispatch import Signal

event_recorded = Signal()
