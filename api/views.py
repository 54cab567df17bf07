"""The JSON API, /api/v1/: orders in, customers and products out; all scoped to the key's
company (request.auth is the ApiKey)."""

from django.conf import settings
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import actions, idempotency, orders
from api.errors import BodyTooLarge
from api.serializers import (
    CancelInput,
    CreditInput,
    CustomerOutput,
    EditInput,
    OrderFilter,
    OrderInput,
    OrderOutput,
    PaymentInput,
    ProductOutput,
    RefundInput,
    SearchFilter,
    SendInput,
)
from customers.models import Customer
from invoicing.models import Order, Product

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Any unique string (a UUID): a retry with the same key and body gets the "
    "first answer again; with another body, 409. Kept 24 hours.",
)
ERROR = inline_serializer(
    "Error",
    {
        "code": serializers.CharField(),
        "field": serializers.CharField(allow_null=True),
        "message": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)

ACTION_RESPONSES = {
    200: OrderOutput,
    **dict.fromkeys((400, 401, 403, 404, 409, 429, 503), ERROR),
}


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


class ApiView(viewsets.GenericViewSet):
    pagination_class = NewestFirst
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return self.model.objects.none()
        return self.scoped(self.model.objects.filter(company=self.request.auth.company))

    def scoped(self, queryset):
        return queryset

    def initial(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.API_MAX_BODY_BYTES:
            raise BodyTooLarge(f"Send at most {settings.API_MAX_BODY_BYTES} bytes.")
        super().initial(request, *args, **kwargs)

    def filters(self, serializer_class) -> dict:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


@extend_schema(tags=["orders"], responses={400: ERROR, 401: ERROR, 404: ERROR, 429: ERROR})
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiView):
    """Orders: each becomes a QuickBooks invoice, pushed in the background."""

    serializer_class = OrderOutput
    model = Order

    def scoped(self, queryset):
        return queryset.select_related(
            "customer", "new_customer_parent", "api_link"
        ).prefetch_related("lines", "writes")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        found = self.filters(OrderFilter)
        for name in ("push_status", "payment_status"):
            if name in found:
                queryset = queryset.filter(**{name: found[name]})
        if "external_id" in found:
            queryset = queryset.filter(api_link__external_id=found["external_id"])
        if "customer" in found:
            queryset = queryset.filter(customer_id=found["customer"])
        if "created_after" in found:
            queryset = queryset.filter(created_at__gte=found["created_after"])
        if "created_before" in found:
            queryset = queryset.filter(created_at__lt=found["created_before"])
        if q := found.get("q"):
            queryset = queryset.filter(
                Q(number__icontains=q)
                | Q(customer__display_name__icontains=q)
                | Q(new_customer_name__icontains=q)
                | Q(qbo_doc_number__icontains=q)
            )
        return queryset

    @extend_schema(parameters=[OrderFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=OrderInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: OrderOutput, 400: ERROR, 409: ERROR},
    )
    def create(self, request):
        """Create an order; its invoice follows (push_status pending → synced or failed)."""

        def work() -> Response:
            data = OrderInput(data=request.data)
            data.is_valid(raise_exception=True)
            order = orders.create_api_order(
                api_key=request.auth,
                data=data.validated_data,
                idempotency_key=idempotency.key_of(request),
            )
            return Response(self._output(order.pk), status=status.HTTP_201_CREATED)

        return idempotency.run_once(request, work)

    @extend_schema(
        request=None, parameters=[IDEMPOTENCY_KEY], responses={200: OrderOutput, 409: ERROR}
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed (or waiting) order to QuickBooks again."""
        order = self.get_object()

        def work() -> Response:
            orders.retry_api_order(
                api_key=request.auth, order=order, idempotency_key=idempotency.key_of(request)
            )
            return Response(self._output(order.pk))

        return idempotency.run_once(request, work)

    def _lifecycle(self, request, input_class, service) -> Response:
        order = self.get_object()

        def work() -> Response:
            data = input_class(data=request.data)
            data.is_valid(raise_exception=True)
            service(
                api_key=request.auth,
                order=order,
                data=data.validated_data,
                idempotency_key=idempotency.key_of(request),
            )
            return Response(self._output(order.pk))

        return idempotency.run_once(request, work)

    @extend_schema(request=EditInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        """Edit what the order page's edit does: the lines (all of them, as on create, each
        with its class and tax code), the header (order_date, due_date, memo, bill_email,
        ship_to) and the charges (discount_percent or discount_amount, shipping, tax); what
        is left out stays. The page's limits and words (400). A synced invoice is updated in
        QuickBooks; refused (409) if cancelled, being sent, changed in QuickBooks
        (conflict_pending), or if the new total is below what was paid (total_below_paid)."""
        return self._lifecycle(request, EditInput, actions.edit)

    @extend_schema(request=CancelInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel: not yet sent, it never will be; sent and unpaid, its invoice is voided.
        Refused (409 has_payment) once paid; delete is for owners, not keys (403)."""
        return self._lifecycle(request, CancelInput, actions.cancel)

    @extend_schema(request=SendInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """E-mail the invoice through QuickBooks (to `email`, else the invoice's address)."""
        return self._lifecycle(request, SendInput, actions.send)

    @extend_schema(request=PaymentInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """Record a payment applied to the invoice (partial allowed; over_balance refused)."""
        return self._lifecycle(request, PaymentInput, actions.payment)

    @extend_schema(request=CreditInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def credits(self, request, pk=None):
        """Credit the invoice: a credit memo applied to it, at most the open balance; for an
        `amount`, or for chosen `lines` (the order's lines[].id, each with a quantity, all
        of it when left out) as the order's Credit page."""
        return self._lifecycle(request, CreditInput, actions.credit)

    @extend_schema(request=RefundInput, parameters=[IDEMPOTENCY_KEY], responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def refunds(self, request, pk=None):
        """Refund money paid on the invoice from an account (nothing_to_refund if unpaid)."""
        return self._lifecycle(request, RefundInput, actions.refund)

    def _output(self, pk: int) -> dict:
        return OrderOutput(self.get_queryset().get(pk=pk)).data


class SearchableViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiView):
    search_fields: tuple[str, ...] = ()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        found = self.filters(SearchFilter)
        if q := found.get("q"):
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": q})
            queryset = queryset.filter(match)
        if found.get("active") is not None:
            queryset = queryset.filter(active=found["active"])
        return queryset

    @extend_schema(parameters=[SearchFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["customers"], responses={401: ERROR, 404: ERROR})
class CustomerViewSet(SearchableViewSet):
    """Customers as mirrored from QuickBooks (read only)."""

    serializer_class = CustomerOutput
    search_fields = ("display_name", "company_name", "email")
    model = Customer

    def scoped(self, queryset):
        return queryset.filter(deleted_in_qbo=False)


@extend_schema(tags=["products"], responses={401: ERROR, 404: ERROR})
class ProductViewSet(SearchableViewSet):
    """The company's products (read only)."""

    serializer_class = ProductOutput
    search_fields = ("name", "sku")
    model = Product
