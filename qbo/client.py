"""The QuickBooks Online Accounting API client: python-quickbooks, made safe for many companies.

QBOClient is python-quickbooks' QuickBooks with one method replaced: every request goes
through our own requests.Session with connect/read timeouts, the company's per-realm
throttle, the call log, and a mapping of HTTP status and Fault codes to qbsync.errors —
decided before the library parses the body (it drops the status, Retry-After and intuit_tid).
It is built from the stored access token and never refreshes by itself; a 401 refreshes once,
through the locked token service, and replays the same request (same requestid) once.

Use it through python-quickbooks objects, always passing qb=client:
    with open_client(company) as qb:
        Customer.filter(Active=True, qb=qb)
"""

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlsplit

import requests
from django.utils import timezone
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException
from urllib3.exceptions import NewConnectionError

from qbo import throttle, tokens
from qbo.calllog import record_call
from qbo.conf import qbo_settings
from qbo.environments import api_base
from qbo.errors import (
    QuickBooksError,
    RateLimited,
    ReconnectNeeded,
    Rejected,
    StaleObject,
    Unavailable,
)
from qbo.models import QuickBooksConnection
from qbo.qbojson import Where, dumps, iso, parse_time, select

logger = logging.getLogger(__name__)

PAGE = 1000  # QBO's largest page
STALE_OBJECT = "5010"
THROTTLED = "3001"
SYSTEM_FAULT = "10000"


class QBOClient(QuickBooks):
    """python-quickbooks bound to one connection. Build it with open_client()."""

    connection_id: int
    company_pk: int
    _token: tokens.AccessToken

    @classmethod
    def for_connection(cls, connection: QuickBooksConnection) -> "QBOClient":
        token = tokens.current_access_token(connection.pk)
        client = cls(
            company_id=connection.realm_id,
            minorversion=qbo_settings.MINOR_VERSION,
            use_decimal=True,
        )
        # Base URLs on the instance: the class attributes are process-wide.
        client.api_url_v3 = client.sandbox_api_url_v3 = api_base(connection.environment)
        client.sandbox = False
        client.session = requests.Session()
        client.connection_id = connection.pk
        client.company_pk = connection.company_id
        client._token = token
        return client

    # --- QBO operations: one call each; callers never build URLs or request bodies ---------

    @property
    def company_url(self) -> str:
        return f"{self.api_url}/company/{self.company_id}"

    def query_page(
        self, entity: str, where: Where = None, *, order_by: str = "", start: int = 1, size=PAGE
    ) -> list[dict]:
        """One page of a query (QBO allows at most 1,000 rows a page)."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
        sql = select(entity, where, order_by=order_by, start=start, max_results=size)
        return self.query(sql).get("QueryResponse", {}).get(entity, [])

    def first_page(
        self, entity: str, where: Where = None, *, order_by: str = "Id"
    ) -> tuple[list[dict], datetime]:
        """A query's first page, and QBO's clock when it answered."""
        response = self.query(select(entity, where, order_by=order_by, max_results=PAGE))
        page = response.get("QueryResponse", {}).get(entity, [])
        return page, parse_time(response.get("time")) or timezone.now()

    def query_pages(
        self, entity: str, where: Where = None, *, order_by: str = "Id", first=None
    ) -> Iterator[list[dict]]:
        """Every row of a query, a page of 1,000 at a time (from `first`, if already read)."""
        start = 1
        while True:
            if first is not None and start == 1:
                page = first
            else:
                page = self.query_page(entity, where, order_by=order_by, start=start)
            yield page
            if len(page) < PAGE:
                return
            start += PAGE

    def query_all(self, entity: str, where: Where = None, *, order_by: str = "Id") -> list[dict]:
        return [row for page in self.query_pages(entity, where, order_by=order_by) for row in page]

    def find(self, entity: str, where: Where) -> dict | None:
        """The first object matching, or None."""
        found = self.query_page(entity, where, size=1)
        return found[0] if found else None

    def count(self, entity: str, where: Where = None) -> tuple[int, datetime]:
        """How many objects match, and QBO's clock when it answered."""
        response = self.query(select(entity, where, count=True))
        total = int(response.get("QueryResponse", {}).get("totalCount", 0))
        return total, parse_time(response.get("time")) or timezone.now()

    def create(self, entity: str, payload: dict, *, request_id: str) -> dict:
        """Create an object; a repeated requestid gets QBO's first answer back."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/rest-api-features#idempotency
        return self.create_object(entity, dumps(payload), request_id=request_id)[entity]

    def read(self, entity: str, object_id: str) -> dict:
        """One object by id, as QuickBooks holds it now."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#read-an-invoice
        return self.get_single_object(entity, object_id)[entity]

    def update(self, entity: str, payload: dict, *, request_id: str) -> dict:
        """A sparse update: only the fields sent change (a Line sent replaces every line).
        The payload carries Id and the SyncToken it was based on; a stale one is 5010."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
        body = dumps({**payload, "sparse": True})
        return self.update_object(entity, body, request_id=request_id)[entity]

    def void(self, entity: str, object_id: str, sync_token: str, *, request_id: str) -> dict:
        """Void a transaction: it keeps its number and lines, with amounts zeroed."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#void-an-invoice
        body = dumps({"Id": object_id, "SyncToken": sync_token})
        url = f"{self.company_url}/{entity.lower()}"
        return self.post(url, body, params={"operation": "void"}, request_id=request_id)[entity]

    def delete(self, entity: str, object_id: str, sync_token: str, *, request_id: str) -> dict:
        """Delete a transaction (QBO answers a tombstone: status Deleted)."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#delete-an-invoice
        body = dumps({"Id": object_id, "SyncToken": sync_token})
        return self.delete_object(entity, body, request_id=request_id)[entity]

    def send(self, entity: str, object_id: str, *, send_to: str = "", request_id: str) -> dict:
        """Email a sales form; sendTo replaces its BillEmail. QBO answers the updated object."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#send-an-invoice
        params = {"sendTo": send_to} if send_to else {}
        url = f"{self.company_url}/{entity.lower()}/{object_id}/send"
        return self.post(
            url, "", params=params, content_type="application/octet-stream", request_id=request_id
        )[entity]

    def batch(self, items: list[dict], *, request_id: str) -> list[dict]:
        """Up to 30 operations in one request; each item answers (or faults) on its own."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
        body = dumps({"BatchItemRequest": items})
        result = self.post(f"{self.company_url}/batch", body, request_id=request_id)
        return result.get("BatchItemResponse", [])

    def changes(self, entities: list[str], since_moment: datetime) -> tuple[dict, datetime]:
        """Change Data Capture: {entity: objects and tombstones} since a moment, and QBO's
        clock when it answered."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
        response = self.get(
            f"{self.company_url}/cdc",
            params={"entities": ",".join(entities), "changedSince": iso(since_moment)},
        )
        found: dict[str, list[dict]] = {name: [] for name in entities}
        for block in (response.get("CDCResponse") or [{}])[0].get("QueryResponse") or []:
            for name in entities:
                found[name].extend(block.get(name) or [])
        return found, parse_time(response.get("time")) or timezone.now()

    def pdf(self, entity: str, object_id: str) -> bytes:
        """A sales form as QuickBooks renders it."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#get-an-invoice-as-pdf
        return self.download_pdf(entity, object_id)

    def preferences(self) -> dict:
        """The company's Preferences (sales forms, currency, tax...)."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
        found = self.query("SELECT * FROM Preferences").get("QueryResponse", {})
        return (found.get("Preferences") or [{}])[0]

    def company_info(self) -> dict:
        """The QuickBooks company's name, country and the like."""
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo
        return self.get(f"{self.company_url}/companyinfo/{self.company_id}")["CompanyInfo"]

    # python-quickbooks funnels every HTTP call (objects, query, CDC, batch, PDF) through here.
    # (The library calls the realm `company_id`; our Company's pk is `company_pk`.)
    def process_request(self, request_type, url, headers="", params="", data=""):
        headers = dict(headers or {})
        response = self._send(request_type, url, headers, params, data)
        if response.status_code == 401:
            logger.info("qbo 401 for company %s: refreshing once", self.company_pk)
            self._token = tokens.refresh_after_unauthorized(
                self.connection_id, seen_version=self._token.version
            )
            response = self._send(request_type, url, headers, params, data)
            if response.status_code == 401:
                tokens.mark_needs_reauth(
                    self.connection_id,
                    "QuickBooks rejected a freshly refreshed access token (401)",
                    intuit_tid=response.headers.get("intuit_tid", ""),
                )
        if response.status_code == 403 and _fault(response)["code"] != THROTTLED:
            # Wrong scope, environment or realm for this grant: retrying can't fix it.
            tokens.mark_needs_reauth(
                self.connection_id,
                f"QuickBooks refused access (403): {_fault_text(response)}",
                intuit_tid=response.headers.get("intuit_tid", ""),
            )
        if response.status_code == 429:
            throttle.pause(self.company_id, _retry_after(response))
        raise_for_response(response)
        return response

    def make_request(self, *args, **kwargs):
        # Anything the library still raises (a malformed body) becomes one of ours.
        try:
            return super().make_request(*args, **kwargs)
        except QuickbooksException as exc:
            raise Rejected(
                str(exc.message)[:500], code=str(exc.error_code), detail=str(exc.detail)[:500]
            ) from None

    def _send(self, method, url, headers, params, data) -> requests.Response:
        headers["Authorization"] = f"Bearer {self._token.value}"
        request_id = params.get("requestid", "") if isinstance(params, dict) else ""
        started = time.monotonic()
        response, failure, error = None, None, ""
        try:
            with throttle.request_slot(self.company_id, batch=url.endswith("/batch")):
                response = self.session.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    data=data,
                    timeout=(qbo_settings.CONNECT_TIMEOUT, qbo_settings.READ_TIMEOUT),
                )
        except requests.RequestException as exc:
            # Raised below, outside this block: requests' error holds the bearer header.
            error, failure = type(exc).__name__, _transport_error(exc)
        except RateLimited as exc:
            error, failure = f"local budget: {exc.message}", exc
        if response is not None and response.status_code >= 400:
            error = _fault_text(response)
        record_call(
            company_id=self.company_pk,
            operation=_operation(method, url, params, data),
            method=method,
            status_code=response.status_code if response is not None else None,
            duration=time.monotonic() - started,
            request_id=request_id,
            intuit_tid=response.headers.get("intuit_tid", "") if response is not None else "",
            error=error,
        )
        if failure is not None:
            raise failure
        return response


def _transport_error(exc: requests.RequestException) -> Unavailable:
    never_sent = isinstance(exc, requests.ConnectTimeout) or any(
        isinstance(arg, NewConnectionError) or "NewConnectionError" in repr(arg) for arg in exc.args
    )
    return Unavailable(
        f"QuickBooks did not answer ({type(exc).__name__})", maybe_committed=not never_sent
    )


def _operation(method: str, url: str, params, data) -> str:
    """A short name for the call log: 'invoice', 'query Customer', 'invoice/42/pdf'."""
    path = urlsplit(url).path
    tail = path.split("/company/", 1)[-1].split("/", 1)[-1] if "/company/" in path else path
    if tail == "query" and isinstance(data, str):
        match = re.search(r"(?i)\bfrom\s+(\w+)", data)
        tail = f"query {match.group(1)}" if match else tail
    if isinstance(params, dict) and params.get("operation"):
        tail = f"{tail}?operation={params['operation']}"
    return tail


def first_error(fault: dict) -> dict:
    """The first Error of a Fault object (service `Fault` or the gateway's lower-case `fault`)."""
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if errors else {}
    return {
        "code": str(first.get("code") or ""),
        "message": str(first.get("Message") or first.get("message") or ""),
        "detail": str(first.get("Detail") or first.get("detail") or ""),
        "element": str(first.get("element") or ""),
        "type": str(fault.get("type") or ""),
    }


def _fault(response: requests.Response) -> dict:
    """The first Error of a response's Fault, from JSON or (the throttle's) XML."""
    text = response.text or ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        return first_error(body.get("Fault") or body.get("fault") or {})
    xml = {
        name: (re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", text, re.S) or [None, ""])[1]
        for name, tag in (("message", "Message"), ("detail", "Detail"))
    }
    code = re.search(r'<Error[^>]*code="(\d+)"', text)
    return {"code": code.group(1) if code else "", "element": "", "type": "", **xml}


def _fault_text(response: requests.Response) -> str:
    fault = _fault(response)
    return " ".join(p for p in (fault["code"], fault["message"], fault["detail"]) if p)[:1000]


def _retry_after(response: requests.Response, default: float = 60.0) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", default)))
    except ValueError:
        return default


def error_for(
    fault: dict, *, status: int, intuit_tid: str = "", retry_after: float = 60.0
) -> QuickBooksError:
    """The exception for a Fault (see first_error), chosen by what the caller does next."""
    context = {
        "code": fault["code"],
        "detail": fault["detail"],
        "intuit_tid": intuit_tid,
        "status": status,
    }
    message = fault["message"] or f"QuickBooks answered HTTP {status}"
    if status == 429 or fault["code"] == THROTTLED:
        return RateLimited("QuickBooks asked us to slow down", retry_after=retry_after, **context)
    if status in (401, 403) or fault["type"].upper() in ("AUTHENTICATION", "AUTHORIZATIONFAULT"):
        return ReconnectNeeded(f"QuickBooks refused access: {message}", **context)
    if status >= 500 or fault["type"] == "SystemFault" or fault["code"] == SYSTEM_FAULT:
        return Unavailable(f"QuickBooks failed: {message}", **context)
    if fault["code"] == STALE_OBJECT:
        return StaleObject(message, element=fault["element"], **context)
    return Rejected(message, element=fault["element"], **context)


def raise_for_response(response: requests.Response) -> None:
    """Map an Intuit response to qbsync.errors; return quietly when it succeeded."""
    status = response.status_code
    fault_in_200 = status == 200 and '"Fault"' in response.text[:200]
    if status < 300 and not fault_in_200:
        return
    raise error_for(
        _fault(response),
        status=status,
        intuit_tid=response.headers.get("intuit_tid", ""),
        retry_after=_retry_after(response),
    )


def _connection_for(company) -> QuickBooksConnection:
    company_id = company if isinstance(company, int) else company.pk
    connection = QuickBooksConnection.objects.filter(company_id=company_id).first()
    if connection is None or connection.status != QuickBooksConnection.Status.CONNECTED:
        raise ReconnectNeeded("QuickBooks is not connected for this company")
    return connection


@contextmanager
def open_client(company) -> Iterator[QBOClient]:
    """A client for the company's connected QuickBooks; raises ReconnectNeeded if there is none."""
    client = QBOClient.for_connection(_connection_for(company))
    try:
        yield client
    finally:
        client.session.close()
