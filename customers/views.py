"""The company's QuickBooks customers: a searchable list and one customer with their orders
and payments (through the relations those apps point at customers). Every query is scoped
to request.company."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.decorators import company_required
from accounts.inputs import SEARCH_MAX_LENGTH
from customers.models import Customer

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
            customers = customers.filter(
                Q(display_name__icontains=q)
                | Q(company_name__icontains=q)
                | Q(email__icontains=q)
                | Q(phone__icontains=q)
            )
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
    context = {
        "customer": customer,
        "orders": recent_orders[:RECENT],
        "more_orders": len(recent_orders) > RECENT,
        "payments": customer.payments.prefetch_related("applications__order")[:RECENT],
    }
    return render(request, "customers/customer_detail.html", context)
