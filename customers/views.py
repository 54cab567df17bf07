"""The company's QuickBooks customers: a searchable list, one customer with their orders and
payments (through the relations those apps point at customers), and new or edited customers
written to QuickBooks at once (the person waits for QuickBooks' answer: a name taken, a change
made meanwhile in QuickBooks). Every query is scoped to request.company."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import company_required
from accounts.inputs import SEARCH_MAX_LENGTH
from customers import defaults, search, services
from customers.forms import DefaultClassForm, EditCustomerForm, NewCustomerForm
from customers.models import Customer
from qbo.client import open_client
from qbo.errors import QuickBooksError, ReconnectNeeded, Rejected

PER_PAGE = 25
# The detail page shows the latest few; the orders page has them all.
RECENT = 20


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(attrs={"placeholder": "Name, company, email or phone"}),
    )
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All customers"),
            ("active", "Active"),
            ("inactive", "Inactive"),
            ("deleted", "Deleted in QuickBooks"),
        ],
    )

    STATES = {
        "active": Q(active=True, deleted_in_qbo=False),
        "inactive": Q(active=False, deleted_in_qbo=False),
        "deleted": Q(deleted_in_qbo=True),
    }

    def filter(self, customers: QuerySet) -> QuerySet:
        if not self.is_valid():
            return customers
        if q := self.cleaned_data["q"]:
            customers = search.matching(customers, q)
        if show := self.cleaned_data["show"]:
            customers = customers.filter(self.STATES[show])
        return customers

    @property
    def is_filtering(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


@company_required
@require_GET
def customer_list(request):
    filters = CustomerFilterForm(request.GET)
    customers = filters.filter(Customer.objects.filter(company=request.company))
    page = Paginator(customers.order_by("display_name", "id"), PER_PAGE)
    context = {"filters": filters, "page": page.get_page(request.GET.get("page"))}
    return render(request, "customers/customer_list.html", context)


@company_required
@require_GET
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    # The apps built on customers point at them (Order.customer, Payment.customer): their
    # rows are read through those relations, so this app needn't import them.
    recent_orders = list(customer.orders.all()[: RECENT + 1])
    parent = customer.parent_qbo_id and (
        Customer.objects.filter(company=request.company, qbo_id=customer.parent_qbo_id).first()
    )
    context = {
        "customer": customer,
        "parent": parent or None,
        "orders": recent_orders[:RECENT],
        "more_orders": len(recent_orders) > RECENT,
        "payments": customer.payments.prefetch_related("applications__order")[:RECENT],
        "class_form": _class_form(request, customer),
    }
    return render(request, "customers/customer_detail.html", context)


def _class_form(request, customer: Customer, data=None) -> DefaultClassForm | None:
    classes = defaults.tracked_classes(request.company)
    if not classes and not customer.default_class_id:
        return None  # the company doesn't track classes (or QuickBooks can't say which)
    return DefaultClassForm(data, classes=classes, customer=customer)


@company_required
@require_POST
def customer_default_class(request, pk: int):
    """The class this customer's new orders start with (kept in qbsync, not QuickBooks)."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    form = _class_form(request, customer, request.POST)
    if form is None or not form.is_valid():
        message = form.errors["default_class"][0] if form else "No classes to choose from."
        messages.error(request, message)
    else:
        defaults.set_default_class(customer, *form.chosen())
        chosen = customer.default_class_name or "none"
        messages.success(request, f"New orders for “{customer.display_name}” take class {chosen}.")
    return redirect("customers:customer_detail", pk=customer.pk)


# --- New and edited customers, written to QuickBooks --------------------------------------

DUPLICATE_NAME = "6240"
OBJECT_NOT_FOUND = "610"


def _quickbooks_error(form, exc: QuickBooksError) -> None:
    if isinstance(exc, services.NotConfirmed):
        form.add_error(
            None,
            "QuickBooks didn't confirm the change in time. Submit again: it won't be made twice.",
        )
    elif isinstance(exc, ReconnectNeeded):
        form.add_error(None, "QuickBooks isn't connected. Reconnect it, then submit again.")
    elif isinstance(exc, Rejected) and exc.code == OBJECT_NOT_FOUND and _has_parent(form):
        # The mirror thought the parent active; QuickBooks knows better (made inactive since).
        form.add_error("parent", "QuickBooks says this customer is inactive or gone.")
    elif isinstance(exc, Rejected) and exc.code == DUPLICATE_NAME:
        form.add_error(
            "display_name",
            "QuickBooks already has a customer, vendor or employee with this name.",
        )
    elif isinstance(exc, Rejected):
        tid = f" (intuit_tid {exc.intuit_tid})" if exc.intuit_tid else ""
        form.add_error(None, f"QuickBooks refused it: {exc.text}{tid}")
    else:
        form.add_error(None, "QuickBooks is busy or unreachable right now. Submit again shortly.")


def _has_parent(form) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("parent"))


@company_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = NewCustomerForm(
        request.POST if request.method == "POST" else None, company=request.company
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        write = services.record_create(request.company.pk, data["form_token"], request.user)
        try:
            with open_client(request.company) as qb:
                customer = services.create_with_details(
                    qb,
                    write,
                    form.details(),
                    parent=data["parent"],
                    bill_with_parent=data["bill_with_parent"],
                )
        except (QuickBooksError, services.NotConfirmed) as exc:
            _quickbooks_error(form, exc)
        else:
            messages.success(request, f"Customer “{customer.full_name}” is in QuickBooks.")
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


def _conflict_rows(current: Customer, mine: dict) -> list[tuple[str, str, str]]:
    """(field, your value, QuickBooks' value now) where they differ."""
    theirs = services.current_details(current)
    labels = {name: field.label or name for name, field in EditCustomerForm().fields.items()}
    rows = []
    for name in services.DETAIL_FIELDS:
        if mine.get(name, "") != theirs[name]:
            prefix = {"bill": "Billing ", "ship": "Shipping "}.get(name.split("_", 1)[0], "")
            label = labels[name] if not prefix else f"{prefix}{labels[name].lower()}"
            rows.append((label.capitalize(), mine.get(name, ""), theirs[name]))
    return rows


@company_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    context: dict = {"customer": customer, "conflict": None}
    if request.method != "POST":
        form = EditCustomerForm(initial=EditCustomerForm.initial_for(customer))
    else:
        form = EditCustomerForm(request.POST)
        if customer.deleted_in_qbo:
            form.add_error(None, "This customer was deleted in QuickBooks: it can't be edited.")
        elif form.is_valid():
            details = form.details()
            try:
                with open_client(request.company) as qb:
                    customer = services.update_details(
                        qb, customer, details, sync_token=form.cleaned_data["sync_token"]
                    )
            except services.Conflict as conflict:
                # Nothing was written. Show what changed; saving again means "mine wins".
                data = request.POST.copy()
                data["sync_token"] = conflict.current.sync_token
                form = EditCustomerForm(data)
                form.is_valid()
                context["conflict"] = _conflict_rows(conflict.current, details)
            except (QuickBooksError, services.NotConfirmed) as exc:
                _quickbooks_error(form, exc)
            else:
                messages.success(request, f"Saved “{customer.display_name}” in QuickBooks.")
                return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {**context, "form": form})
