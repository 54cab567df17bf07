"""Pages for products, orders and invoicing settings; every query is scoped to request.company."""

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import company_required
from accounts.inputs import SEARCH_MAX_LENGTH
from customers import search
from invoicing import lifecycle, services, settlements
from invoicing.credit_forms import CreditForm
from invoicing.default_forms import product_data
from invoicing.edits import conflict_fields
from invoicing.forms import (
    EditLinesFormSet,
    InvoicingSettingsForm,
    OrderEditForm,
    OrderFilterForm,
    OrderForm,
    OrderLineFormSet,
    PaymentForm,
    ProductFilterForm,
    ProductForm,
    RefundForm,
    SendInvoiceForm,
    orderable_customers,
)
from invoicing.models import InvoicingSettings, Order, OrderWrite, Product
from invoicing.writes import default_email
from qbo.errors import QuickBooksError, RateLimited, ReconnectNeeded, Rejected, Unavailable

PER_PAGE = 25
# The push is still moving: the status fragment keeps polling.
STILL_MOVING = (Order.PushStatus.PENDING, Order.PushStatus.IN_FLIGHT, Order.PushStatus.WAITING)


def manager_required(view):
    """Owners and admins of the current company only."""

    @company_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_manage:
            return render(request, "invoicing/managers_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def describe_error(error: QuickBooksError) -> str:
    """A QuickBooks failure in plain words, for a message on the page."""
    if isinstance(error, ReconnectNeeded):
        return "Connect QuickBooks first: the connection needs to be made or renewed."
    if isinstance(error, RateLimited):
        return "QuickBooks is busy right now. Try again in a minute."
    if isinstance(error, Unavailable):
        return "QuickBooks didn't answer. Try again in a few minutes."
    support = f" (intuit_tid {error.intuit_tid} for Intuit support)" if error.intuit_tid else ""
    if isinstance(error, Rejected):
        return f"QuickBooks refused the request: {error.text}{support}"
    return f"QuickBooks couldn't do that: {error.text}{support}"


def paginate(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# --- Products ------------------------------------------------------------------------------


@company_required
@require_GET
def product_list(request):
    filters = ProductFilterForm(request.GET)
    products = filters.filter(Product.objects.filter(company=request.company))
    context = {"filters": filters, "page": paginate(request, products)}
    return render(request, "invoicing/product_list.html", context)


@company_required
def product_create(request):
    return _product_form(request, Product(company=request.company))


@company_required
def product_edit(request, pk: int):
    return _product_form(request, get_object_or_404(Product, pk=pk, company=request.company))


def _product_form(request, product: Product):
    data = request.POST if request.method == "POST" else None
    form = ProductForm(data, instance=product, company=request.company)
    if data is not None and form.is_valid():
        try:
            with transaction.atomic():
                product = form.save()
        except IntegrityError:
            # Another person saved the same name or SKU between our check and this save.
            form.add_error(None, "A product with this name or SKU was just saved. Try again.")
        else:
            messages.success(request, f"Saved product “{product.name}”.")
            return redirect("invoicing:product_list")
    return render(request, "invoicing/product_form.html", {"form": form, "product": product})


@company_required
@require_POST
def product_deactivate(request, pk: int):
    product = get_object_or_404(Product, pk=pk, company=request.company)
    product.active = False
    product.save(update_fields=["active", "updated_at"])
    messages.success(request, f"“{product.name}” is inactive: new orders can't use it.")
    return redirect("invoicing:product_list")


# --- Orders --------------------------------------------------------------------------------


@company_required
@require_GET
def order_list(request):
    filters = OrderFilterForm(request.GET)
    orders = Order.objects.filter(company=request.company).select_related("customer")
    context = {"filters": filters, "page": paginate(request, filters.filter(orders))}
    return render(request, "invoicing/order_list.html", context)


@company_required
def order_create(request):
    data = request.POST if request.method == "POST" else None
    form = OrderForm(data, company=request.company)
    lines = OrderLineFormSet(data, company=request.company, prefix="lines")
    valid = data is not None and all([form.is_valid(), lines.is_valid()])
    if valid and form.check_totals(lines.new_lines()):
        try:
            order = services.create_order(
                company=request.company,
                created_by=request.user,
                lines=lines.new_lines(),
                **form.create_order_arguments(),
            )
        except services.DuplicateSubmission as duplicate:
            return redirect("invoicing:order_detail", pk=duplicate.order.pk)
        messages.success(request, f"Order {order.number} created. Sending it to QuickBooks…")
        return redirect("invoicing:order_detail", pk=order.pk)
    products = {str(product.pk): product_data(product) for product in lines.products}
    context = {"form": form, "lines": lines, "products": products}
    return render(request, "invoicing/order_form.html", context)


@company_required
@require_GET
def order_customer_search(request):
    """Up to ten of the company's customers matching the typed text (an htmx fragment)."""
    text = (request.GET.get("customer_search") or request.GET.get("q") or "").strip()
    if len(text) > SEARCH_MAX_LENGTH or "\x00" in text:
        text = ""  # PostgreSQL refuses a NUL byte in a query: nothing can match it anyway
    customers = search.matching(orderable_customers(request.company), text)
    context = {"customers": customers[:10] if text else [], "text": text}
    return render(request, "invoicing/_customer_matches.html", context)


@company_required
@require_GET
def order_detail(request, pk: int):
    order = get_object_or_404(
        Order.objects.select_related("customer"), pk=pk, company=request.company
    )
    return render(request, "invoicing/order_detail.html", _detail_context(request, order))


def _us_version(conflict: OrderWrite | None) -> bool:
    """QuickBooks' lines are marked TAX/NON (a US company): the lines show whether taxed."""
    lines = (conflict.qbo_version.get("lines") or []) if conflict else []
    return any(n.get("tax_code_id") in ("TAX", "NON") for n in lines)


def _detail_context(request, order: Order) -> dict:
    conflict = order.writes.filter(status=OrderWrite.Status.CONFLICT).first()
    return {
        "lines": order.lines.select_related("product"),
        "history": lifecycle.history(order),
        "conflict": conflict,
        "conflict_fields": conflict_fields(order, conflict.qbo_version) if conflict else [],
        "conflict_us": _us_version(conflict),
        "can_manage": request.membership.can_manage,
        "is_owner": request.membership.role == request.membership.Role.OWNER,
        "money": settlements.money(order),
        # Only a rate makes a home-currency figure: the order page shows it beside the total.
        "home_currency": services.home_currency(order.company) if order.exchange_rate else "",
        **_push_status_context(request, order),
    }


@company_required
@require_GET
def order_push_status(request, pk: int):
    """The push status card alone; it polls itself until the push has settled."""
    order = get_object_or_404(Order, pk=pk, company=request.company)
    return render(request, "invoicing/_push_status.html", _push_status_context(request, order))


def _push_status_context(request, order: Order) -> dict:
    context = {"order": order, "polling": order.push_status in STILL_MOVING, "invoice_link": ""}
    if order.push_status == Order.PushStatus.SYNCED and order.qbo_invoice_id:
        # The connection model may be absent (not connected, or disconnected since).
        connection = getattr(request.company, "quickbooks_connection", None)
        realm_id, environment = (
            (connection.realm_id, connection.environment) if connection else ("", "")
        )
        context["invoice_link"] = services.invoice_url(order, realm_id, environment)
    return context


@company_required
@require_POST
def order_retry(request, pk: int):
    order = get_object_or_404(Order, pk=pk, company=request.company)
    if services.retry_push(order):
        messages.success(request, f"Order {order.number} will be sent to QuickBooks again.")
    else:
        messages.warning(request, f"Order {order.number} isn't waiting for a retry.")
    return redirect("invoicing:order_detail", pk=order.pk)


@company_required
@require_GET
def order_invoice_pdf(request, pk: int):
    order = get_object_or_404(Order, pk=pk, company=request.company)
    if order.push_status != Order.PushStatus.SYNCED:
        messages.warning(request, f"The {order.form_name} isn't in QuickBooks yet.")
        return redirect("invoicing:order_detail", pk=order.pk)
    try:
        pdf = services.invoice_pdf(order)
    except QuickBooksError as error:
        messages.error(request, describe_error(error))
        return redirect("invoicing:order_detail", pk=order.pk)
    kind = "sales-receipt" if order.is_sales_receipt else "invoice"
    filename = f"{kind}-{order.qbo_doc_number or order.number}.pdf"
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    return HttpResponse(
        pdf, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )


# --- An order's life after it is made (invoicing/lifecycle.py) ---------------------------


def _order(request, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("customer"), pk=pk, company=request.company
    )


@company_required
def order_edit(request, pk: int):
    """Edit the lines, header and charges; a synced order shows what QuickBooks will change
    before saving."""
    order = _order(request, pk)
    data = request.POST if request.method == "POST" else None
    form = OrderEditForm(data, order=order)
    lines = EditLinesFormSet(data, company=request.company, prefix="lines", order=order)
    products = {str(product.pk): product_data(product) for product in lines.products}
    context = {"order": order, "form": form, "lines": lines, "preview": None, "digest": ""}
    context["products"] = products
    if data is not None and order.is_sales_receipt and order.push_status == Order.PushStatus.SYNCED:
        # Refused before any preview: a paid receipt's lines don't change (lifecycle too).
        lines.refuse(lifecycle.RECEIPT_NOT_EDITED)
        return render(request, "invoicing/order_edit.html", context, status=409)
    valid = data is not None and form.is_valid() & lines.is_valid()
    if valid and form.check_totals(new := lines.new_lines()):
        digest, changes = f"{lines.digest()}{form.digest()}", form.changes()
        if order.push_status == Order.PushStatus.SYNCED and data.get("confirm") != digest:
            context.update(preview=lifecycle.preview_edit(order, new, changes), digest=digest)
            return render(request, "invoicing/order_edit.html", context)
        try:
            write = lifecycle.edit_order(order, lines=new, by=request.user, changes=changes)
        except lifecycle.Refused as refused:
            lines.refuse(str(refused))
            return render(request, "invoicing/order_edit.html", context, status=409)
        sent = " QuickBooks will be updated." if write else ""
        messages.success(request, f"Order {order.number} saved.{sent}")
        return redirect("invoicing:order_detail", pk=order.pk)
    return render(request, "invoicing/order_edit.html", context)


@manager_required
@require_POST
def order_cancel(request, pk: int):
    order = _order(request, pk)
    delete = request.POST.get("how") == "delete"
    if delete and request.membership.role != request.membership.Role.OWNER:
        messages.error(request, "Only owners may delete an invoice; it can be voided instead.")
        return redirect("invoicing:order_detail", pk=order.pk)
    return _settle_action(
        request,
        order,
        lambda: lifecycle.cancel_order(order, by=request.user, delete=delete),
        f"Order {order.number} cancelled.",
    )


@company_required
def order_send(request, pk: int):
    order = _order(request, pk)
    form = SendInvoiceForm(request.POST or None, initial={"email": default_email(order)})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        return _settle_action(
            request,
            order,
            lambda: lifecycle.send_invoice(order, email=email, by=request.user),
            f"Sending {order.form_name} {order.qbo_doc_number} to {email}…",
        )
    return render(request, "invoicing/order_send.html", {"order": order, "form": form})


@company_required
@require_POST
def order_conflict(request, pk: int, write_pk: int):
    """The person's choice after the invoice was changed in QuickBooks."""
    order = _order(request, pk)
    write = get_object_or_404(OrderWrite, pk=write_pk, order=order, company=request.company)
    choice = request.POST.get("keep")
    if choice not in ("quickbooks", "ours"):
        return HttpResponseBadRequest("Choose which version to keep.")
    action = (
        lifecycle.keep_quickbooks_version if choice == "quickbooks" else lifecycle.push_our_version
    )
    done = "Kept the QuickBooks version." if choice == "quickbooks" else "Sending your version."
    return _settle_action(request, order, lambda: action(write, by=request.user), done)


MONEY_PAGES = {
    "payment": ("Record a payment", PaymentForm),
    "credit": ("Credit", CreditForm),
    "refund": ("Refund", RefundForm),
}


@company_required
def order_payment(request, pk: int):
    return _money_page(request, _order(request, pk), "payment")


@manager_required
def order_credit(request, pk: int):
    return _money_page(request, _order(request, pk), "credit")


@manager_required
def order_refund(request, pk: int):
    return _money_page(request, _order(request, pk), "refund")


def _money_page(request, order: Order, kind: str):
    """A payment, credit or refund form; its choices come from the company's QuickBooks."""
    title, form_class = MONEY_PAGES[kind]
    context = {"order": order, "title": title, "kind": kind, "problem": "", "form": None}
    choices = {}
    if form_class.choice_fields:
        try:
            choices = settlements.money_choices(request.company)
        except QuickBooksError as error:
            context["problem"] = describe_error(error)
            return render(request, "invoicing/order_money.html", context)
    extra = {"order": order} if form_class is CreditForm else {}
    form = form_class(request.POST or None, choices=choices, **extra)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "form_token": str(form.cleaned_data["form_token"])}
        try:
            _take_money(order, kind, data, request.user)
        except lifecycle.Refused as refused:
            form.add_error("amount", str(refused))
            return render(request, "invoicing/order_money.html", context, status=409)
        messages.success(request, f"{title}: {data['amount']:,.2f} on its way to QuickBooks.")
        return redirect("invoicing:order_detail", pk=order.pk)
    return render(request, "invoicing/order_money.html", context)


def _take_money(order: Order, kind: str, data: dict, user) -> None:
    common = {"amount": data["amount"], "form_token": data["form_token"], "by": user}
    if kind == "payment":
        settlements.record_payment(
            order,
            paid_on=data["on"],
            method=data["method"],
            account=data["account"],
            reference=data["reference"],
            **common,
        )
    elif kind == "credit":
        settlements.credit_order(
            order, reason=data["reason"], on=data["on"], lines=data["lines"], **common
        )
    else:
        settlements.refund_order(
            order, account=data["account"], method=data["method"], on=data["on"], **common
        )


def _settle_action(request, order: Order, action, done: str):
    """Run one lifecycle service; a refusal is a message and a 409, never a 500."""
    try:
        action()
    except lifecycle.Refused as refused:
        context = {**_detail_context(request, order), "refused": str(refused)}
        return render(request, "invoicing/order_detail.html", context, status=409)
    messages.success(request, done)
    return redirect("invoicing:order_detail", pk=order.pk)


# --- Settings ------------------------------------------------------------------------------


@manager_required
def invoicing_settings(request):
    company = request.company
    instance = InvoicingSettings.objects.filter(company=company).first()
    instance = instance or InvoicingSettings(company=company)
    context = {"settings": instance, "problem": "", "form": None}
    if getattr(company, "quickbooks_connection", None) is None:
        context["problem"] = "Connect QuickBooks first: these choices come from your QuickBooks."
        return render(request, "invoicing/settings.html", context)
    try:
        choices = services.qbo_setting_choices(company)
    except QuickBooksError as error:
        context["problem"] = describe_error(error)
        return render(request, "invoicing/settings.html", context)
    data = request.POST if request.method == "POST" else None
    form = InvoicingSettingsForm(data, choices=choices, instance=instance)
    if data is not None and form.is_valid():
        form.save()
        messages.success(request, "Invoicing settings saved.")
        return redirect("invoicing:settings")
    context["form"] = form
    return render(request, "invoicing/settings.html", context)
