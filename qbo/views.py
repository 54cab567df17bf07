"""The QuickBooks settings page, the OAuth connect / callback / disconnect views, Intuit's
Disconnect URL and the webhook receiver. The company is the request's (QBO_REQUEST_COMPANY);
only its managers (QBO_CAN_MANAGE) connect or disconnect it; anyone in it may ask for a sync."""

import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qbo import connect as services
from qbo import webhooks
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError
from qbo.models import QuickBooksConnection, SyncCursor
from qbo.tasks import queue_delivery, schedule_webhook_sync, sync_company_task, verify_connection
from qbo.tenancy import can_manage, company_of

logger = logging.getLogger(__name__)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


def _require_manager(request) -> HttpResponse | None:
    if not can_manage(request.user, company_of(request)):
        return HttpResponseForbidden("Only owners and admins can change the QuickBooks connection.")
    return None


SYNC_FOLLOW_SECONDS = 120


def _callback_origin_if_elsewhere(request) -> str:
    """QBO_REDIRECT_URI's scheme and host, if this request came to another host ('' if not)."""
    target = urlsplit(qbo_settings.REDIRECT_URI)
    if not target.netloc or target.netloc.lower() == request.get_host().lower():
        return ""
    return f"{target.scheme}://{target.netloc}"


def _request_sync_follow(request, company_id: int) -> None:
    """Have the settings page follow a sync someone just asked for, until it has run."""
    request.session["sync_requested"] = [company_id, time.time()]


def _sync_context(request, company) -> dict:
    cursors = list(SyncCursor.objects.filter(company=company).order_by("entity"))
    requested = request.session.get("sync_requested") or [None, 0]
    waiting = requested[0] == company.pk and time.time() - requested[1] < (SYNC_FOLLOW_SECONDS)
    if waiting and cursors:
        # Done once every cursor has finished (or failed) since the request.
        since = datetime.fromtimestamp(requested[1], tz=UTC)
        finished = [
            max(filter(None, [c.last_success_at, c.last_error_at]), default=None) for c in cursors
        ]
        waiting = not all(moment and moment >= since for moment in finished)
    return {
        "cursors": cursors,
        "importing": any(c.state == SyncCursor.State.IMPORTING for c in cursors),
        "sync_requested": waiting,
    }


@login_required
@never_cache
def quickbooks_settings(request):
    company = company_of(request)
    context = {
        "company": company,
        "connection": None,
        "can_manage": can_manage(request.user, company),
        "connect_from": _callback_origin_if_elsewhere(request),
        "connect_here": "connect_here" in request.GET,
    }
    if company is not None:
        context["connection"] = QuickBooksConnection.objects.filter(company=company).first()
        context.update(_sync_context(request, company))
    # The site-wide "same-origin" policy, not no-referrer: browsers send `Origin: null` with
    # POSTs from a no-referrer page, and CSRF refuses Connect and Sync now.
    return render(request, "qbo/settings.html", context)


@login_required
@never_cache
@require_GET
def sync_status(request):
    """The sync card alone, polled by the settings page while an import runs."""
    company = company_of(request)
    if company is None:
        return HttpResponseForbidden()
    return render(request, "qbo/_sync_status.html", _sync_context(request, company))


@login_required
@require_POST
def sync_now(request):
    company = company_of(request)
    connection = QuickBooksConnection.objects.filter(
        company=company, status=QuickBooksConnection.Status.CONNECTED
    ).first()
    if connection is None:
        messages.error(request, "Connect QuickBooks first.")
    else:
        try:
            sync_company_task.delay(company.pk)
        except Exception:  # broker down: the scheduled catch-up will run soon anyway
            logger.warning("could not queue a sync for company %s", company.pk)
            messages.warning(request, "Syncing couldn't start right now; it will run shortly.")
        else:
            _request_sync_follow(request, company.pk)
            messages.success(request, "Syncing with QuickBooks now.")
    return redirect("qbo:settings")


@login_required
@require_POST
def connect(request):
    if denied := _require_manager(request):
        return denied
    if home := _callback_origin_if_elsewhere(request):
        # Intuit returns to QBO_REDIRECT_URI's host, where this session's cookie isn't: start
        # from there instead, or the callback would find no session and connect nothing.
        return redirect(f"{home}{reverse('qbo:settings')}?connect_here=1")
    if not request.session.session_key:
        request.session.save()
    try:
        url = services.start_connect(
            user=request.user, company=company_of(request), session_key=request.session.session_key
        )
    except QuickBooksError as exc:
        messages.error(request, f"QuickBooks can't be reached right now: {exc.text}")
        return redirect("qbo:settings")
    return _no_referrer(redirect(url))


@login_required
@never_cache
@require_GET
def callback(request):
    """Intuit redirects here. Always answers with a redirect, never a page with the code in it."""
    try:
        conn = services.finish_connect(
            user=request.user, session_key=request.session.session_key, params=request.GET
        )
    except services.ConnectCancelled:
        messages.info(request, "QuickBooks was not connected: you cancelled on Intuit's page.")
    except services.ConnectError as exc:
        if exc.status != 409:
            return _no_referrer(
                HttpResponse(exc.message, status=exc.status, content_type="text/plain")
            )
        messages.error(request, exc.message)
    except QuickBooksError as exc:
        messages.error(request, f"QuickBooks didn't complete the connection: {exc.text}")
    else:
        name = conn.qbo_company_name or f"realm {conn.realm_id}"
        messages.success(request, f"Connected to QuickBooks company {name}.")
        # The first import is queued: the settings page follows it instead of "nothing yet".
        _request_sync_follow(request, conn.company_id)
    return _no_referrer(redirect("qbo:settings"))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def disconnect(request):
    if denied := _require_manager(request):
        return denied
    company = company_of(request)
    connection = QuickBooksConnection.objects.filter(
        company=company, status__in=["connected", "needs_reauth"]
    ).first()
    if connection is None:
        return redirect("qbo:settings")
    if request.method == "GET":
        return render(request, "qbo/disconnect.html", {"connection": connection})
    if services.disconnect_company(company):
        messages.success(request, "QuickBooks is disconnected; qbsync's access was revoked.")
    else:
        messages.warning(
            request,
            "QuickBooks is disconnected here, but Intuit couldn't be reached to revoke access. "
            "You can also remove qbsync from the Apps page in QuickBooks.",
        )
    return redirect("qbo:settings")


@require_GET
def disconnected(request):
    """Intuit's Disconnect URL. Anyone can call it, so it changes nothing by itself."""
    realm_id = request.GET.get("realmId", "")
    connection = None
    if webhooks.is_realm_id(realm_id):  # anything else (a NUL byte, say) is no realm of ours
        connection = QuickBooksConnection.objects.filter(
            realm_id=realm_id, status="connected"
        ).first()
    if connection and cache.add(f"qbo:verify:{realm_id}", 1, timeout=600):
        verify_connection.delay(connection.pk)
    return render(request, "qbo/disconnected.html")


def _raw_body(request) -> bytes | None:
    """The request's bytes, up to QBO_WEBHOOK_MAX_BYTES (None beyond): a large signed
    delivery is kept and read later, so Django's form-sized body limit doesn't apply here."""
    limit = qbo_settings.WEBHOOK_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > limit:
        return None
    if not length:
        return request.body  # no Content-Length: Django's own reading and limit
    return request.read(length)


@csrf_exempt  # Intuit signs the body instead; there is no session to forge
@require_POST
def webhook(request):
    """Verify, store, enqueue, 200 — quickly, whatever the size, without calling QuickBooks.

    A delivery of up to QBO_WEBHOOK_INLINE_BYTES is parsed and its events stored here; a
    larger one is kept as one row and read by a worker, so the answer never waits on it.
    """
    body = _raw_body(request)
    if body is None:
        return HttpResponse("delivery too large", status=413, content_type="text/plain")
    if not webhooks.verify_signature(body, request.headers.get(webhooks.SIGNATURE_HEADER)):
        return HttpResponse("invalid intuit-signature", status=401, content_type="text/plain")
    if len(body) > qbo_settings.WEBHOOK_INLINE_BYTES:
        delivery = webhooks.keep_delivery(body)
        transaction.on_commit(lambda: queue_delivery(delivery.pk))
        return HttpResponse(status=200)
    try:
        events = webhooks.parse_events(body)
    except webhooks.MalformedPayload as exc:
        logger.warning("malformed webhook payload: %s", exc)
        return HttpResponse("malformed payload", status=400, content_type="text/plain")
    for company_id in webhooks.store_events(events):
        schedule_webhook_sync(company_id)
    return HttpResponse(status=200)
