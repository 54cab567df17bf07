"""The dashboard: connection health, sync status per entity, recent QuickBooks calls, and
the orders that need someone's attention. A fixed handful of queries, whatever the size."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Company
from catalog.models import Item
from customers.models import Customer
from invoicing.models import Order, OrderWrite, total_differs_in_qbo
from payments.models import Payment
from qbo.conf import qbo_settings
from qbo.models import QBOCall, QuickBooksConnection, SyncCursor
from qbo.templatetags.durations import short_duration

# A push that has not settled after this long is worth a look.
STUCK_AFTER = timedelta(minutes=10)
RECENT_CALLS = 10
ATTENTION_ROWS = 10
HARD_EXPIRY_BANNER = timedelta(days=60)
ENTITY_LABELS = {
    "Customer": "Customers",
    "Invoice": "Invoices",
    "Payment": "Payments",
    "Item": "Items",
}
UNSETTLED = [Order.PushStatus.PENDING, Order.PushStatus.IN_FLIGHT]


@dataclass
class EntityStatus:
    """One mirrored entity: its cursor (None before the first sync) and its row count."""

    entity: str
    rows: int
    cursor: SyncCursor | None = None
    lag: str = ""
    stale: bool = False

    @property
    def label(self) -> str:
        return ENTITY_LABELS.get(self.entity, self.entity)


def entity_statuses(company: Company, invoices: int, now: datetime) -> list[EntityStatus]:
    """Each mirrored entity: state, lag (now minus the high-water mark), row counts."""
    cursors = {c.entity: c for c in SyncCursor.objects.filter(company=company)}
    rows = {
        "Customer": Customer.objects.filter(company=company, deleted_in_qbo=False).count(),
        "Invoice": invoices,
        "Payment": Payment.objects.filter(company=company, deleted_in_qbo=False).count(),
        "Item": Item.objects.filter(company=company, deleted_in_qbo=False).count(),
    }
    limit = timedelta(minutes=2 * qbo_settings.SYNC_INTERVAL_MINUTES)
    statuses = []
    for entity, count in rows.items():
        status = EntityStatus(entity=entity, rows=count, cursor=cursors.get(entity))
        through = status.cursor and (status.cursor.high_water or status.cursor.last_success_at)
        if through:
            status.lag = short_duration(now - through)
            status.stale = now - through > limit
        statuses.append(status)
    return statuses


def _polling(connection: QuickBooksConnection | None, statuses: list[EntityStatus]) -> str:
    """How often the sync card refreshes itself: fast while importing, slower while the
    first sync is still to start, never once every entity has settled."""
    cursors = [s.cursor for s in statuses]
    if any(c and c.state == SyncCursor.State.IMPORTING for c in cursors):
        return "2s"
    connected = connection is not None and connection.is_connected
    if connected and any(c is None or c.state == SyncCursor.State.NEVER for c in cursors):
        return "3s"
    return ""


@dataclass
class ConnectionHealth:
    connection: QuickBooksConnection | None
    warnings: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.connection.status if self.connection else "none"


def connection_health(connection: QuickBooksConnection | None, now: datetime) -> ConnectionHealth:
    health = ConnectionHealth(connection)
    if connection is None or connection.status != QuickBooksConnection.Status.CONNECTED:
        return health
    hard = connection.refresh_hard_expires_at
    if hard and hard - now < HARD_EXPIRY_BANNER:
        health.warnings.append(
            f"Intuit ends this connection on {hard:%d %b %Y}: reconnect before then."
        )
    refresh = connection.refresh_expires_at
    if refresh and refresh < now:
        health.warnings.append("The refresh token has expired: reconnect QuickBooks.")
    elif refresh and refresh - now < timedelta(days=14):
        health.warnings.append(
            f"The refresh token expires on {refresh:%d %b %Y} unless qbsync talks to "
            "QuickBooks before then: check that the worker is running."
        )
    return health


def order_counts(company: Company, now: datetime) -> dict:
    """Every count the dashboard shows about orders, in one query."""
    synced = Q(push_status=Order.PushStatus.SYNCED)
    return Order.objects.filter(company=company).aggregate(
        total=Count("id"),
        invoices=Count("id", filter=~Q(qbo_invoice_id="") & Q(qbo_form=Order.QboForm.INVOICE)),
        synced=Count("id", filter=synced),
        sending=Count("id", filter=Q(push_status__in=UNSETTLED)),
        failed=Count("id", filter=Q(push_status=Order.PushStatus.FAILED)),
        waiting=Count("id", filter=Q(push_status=Order.PushStatus.WAITING)),
        stuck=Count("id", filter=Q(push_status__in=UNSETTLED, created_at__lt=now - STUCK_AFTER)),
        paid=Count("id", filter=synced & Q(payment_status=Order.PaymentStatus.PAID)),
        unpaid=Count("id", filter=synced & ~Q(payment_status=Order.PaymentStatus.PAID)),
    )


def failed_writes():
    """An order's later write (edit, void, send, payment...) QuickBooks refused, or an edit
    waiting for a choice, with nothing of the same kind done since."""
    later = OrderWrite.objects.filter(
        order=OuterRef("order"),
        kind=OuterRef("kind"),
        pk__gt=OuterRef("pk"),
        status=OrderWrite.Status.DONE,
    )
    return OrderWrite.objects.filter(
        order=OuterRef("pk"), status__in=[OrderWrite.Status.FAILED, OrderWrite.Status.CONFLICT]
    ).filter(~Exists(later))


def orders_needing_attention(company: Company, now: datetime) -> list[Order]:
    """Refused by QuickBooks, waiting for a reconnect, still not sent after a while, a later
    change to its invoice failed, or QuickBooks' total isn't the order's."""
    failing = failed_writes().order_by("-pk")
    return list(
        Order.objects.filter(company=company)
        .annotate(
            failed_write=Subquery(failing.values("kind")[:1]),
            failed_write_error=Subquery(failing.values("last_error")[:1]),
        )
        .filter(
            Q(push_status__in=[Order.PushStatus.FAILED, Order.PushStatus.WAITING])
            | Q(push_status__in=UNSETTLED, created_at__lt=now - STUCK_AFTER)
            | Q(Exists(failed_writes()))
            | total_differs_in_qbo()
        )
        .select_related("customer")
        .order_by("-created_at", "-id")[:ATTENTION_ROWS]
    )


def _connection(request) -> QuickBooksConnection | None:
    # The middleware selected it with the membership: no extra query.
    return getattr(request.company, "quickbooks_connection", None)


def _live_context(request, now: datetime) -> dict:
    """What changes while an import runs: the sync table, the tiles, the getting-started list."""
    connection = _connection(request)
    counts = order_counts(request.company, now)
    statuses = entity_statuses(request.company, counts["invoices"], now)
    connected = connection is not None and connection.is_connected
    return {
        "counts": counts,
        "statuses": statuses,
        "customers": next(s.rows for s in statuses if s.entity == "Customer"),
        "poll_every": _polling(connection, statuses),
        "connected": connected,
        "getting_started": not connected or counts["total"] == 0,
    }


@never_cache
@require_GET
def home(request):
    """The signed-in user's start page; anyone else goes to the login page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.company is None:
        return render(request, "accounts/no_company.html")
    now = timezone.now()
    context = {
        "attention": orders_needing_attention(request.company, now),
        "calls": list(QBOCall.objects.filter(company=request.company)[:RECENT_CALLS]),
        "health": connection_health(_connection(request), now),
        "now": now,
        **_live_context(request, now),
    }
    return render(request, "dashboard/home.html", context)


@never_cache
@require_GET
def sync_card(request):
    """The sync table, polled while an import runs; the tiles and the getting-started list
    ride along as out-of-band swaps, so the counts on the page move with the import."""
    if not request.user.is_authenticated or request.company is None:
        return HttpResponseForbidden()
    context = {"oob": True, **_live_context(request, timezone.now())}
    return render(request, "dashboard/_sync_update.html", context)
