"""Short durations for status pages: `short_duration` ("40 s", "12 min", "5 h", "3 days") and
the `ago` filter ("just now", "12 min ago"; Django's timesince says "0 minutes")."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


def short_duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@register.filter
def ago(moment: datetime | None) -> str:
    if not moment:
        return ""
    elapsed = timezone.now() - moment
    if elapsed.total_seconds() < 5:
        return "just now"
    return f"{short_duration(elapsed)} ago"
