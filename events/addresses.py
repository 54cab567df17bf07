"""Where events may be sent: in production, only to public addresses (an endpoint must not
make qbsync's workers call into its own network: metadata services, databases, admin ports)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(Exception):
    pass


def check_public(url: str) -> None:
    """Raise AddressRefused unless every address the URL's host resolves to is public."""
    if not settings.PRODUCTION:
        return  # development and tests deliver to receivers on 127.0.0.1
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise AddressRefused("Use an https:// address.")
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"{parts.hostname} does not resolve.") from exc
    for *_, sockaddr in found:
        if not ipaddress.ip_address(sockaddr[0]).is_global:
            raise AddressRefused(f"{parts.hostname} is not a public address.")
