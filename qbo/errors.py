"""The few exceptions callers of QuickBooks handle, chosen by what the caller does next."""


class QuickBooksError(Exception):
    """Base: a call to Intuit did not succeed. Carries what support needs, never a token."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        detail: str = "",
        intuit_tid: str = "",
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        self.intuit_tid = intuit_tid
        self.status = status

    @property
    def text(self) -> str:
        """Message and detail, as shown to a user."""
        if not self.detail or self.detail in self.message:
            return self.message
        if self.detail.startswith(self.message):
            return self.detail  # QBO often repeats the message at the start of the detail
        return f"{self.message}: {self.detail}"


class ReconnectNeeded(QuickBooksError):
    """The grant is gone (invalid_grant, revoked, not connected): a person must reconnect."""


class RateLimited(QuickBooksError):
    """Intuit throttled us (429) or our own per-realm budget is spent: retry after a pause."""

    def __init__(self, message: str, *, retry_after: float = 60.0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(QuickBooksError):
    """Timeout, dropped connection or 5xx: retry later.

    maybe_committed is True when the request may have reached Intuit (a read timeout or a
    connection dropped after sending), so a write must be looked up before it is repeated.
    """

    def __init__(self, message: str, *, maybe_committed: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.maybe_committed = maybe_committed


class Rejected(QuickBooksError):
    """QuickBooks refused the request (a validation or business Fault): show it to the user."""

    def __init__(self, message: str, *, element: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.element = element


class StaleObject(Rejected):
    """SyncToken mismatch (5010): somebody changed the object first; re-read once and retry."""
