"""The company's QuickBooks items in qbsync's pages: "Import from QuickBooks" on the products
page, and the order form's item search. Every query is scoped to request.company."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import company_required
from accounts.inputs import SEARCH_MAX_LENGTH
from catalog import linking
from catalog.models import Item
from invoicing.models import Product
from qbo.models import SyncCursor

PER_PAGE = 100
SEARCH_RESULTS = 20


class ImportFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(attrs={"placeholder": "Item name or SKU"}),
    )
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "Items not linked to a product"), ("all", "All items")],
    )

    def filter(self, company_id: int):
        items = linking.importable_items(company_id)
        if not self.is_valid():
            return linking.unlinked(items, company_id)
        if q := self.cleaned_data["q"]:
            items = items.filter(Q(fully_qualified_name__icontains=q) | Q(sku__icontains=q))
        if self.cleaned_data["show"] != "all":
            items = linking.unlinked(items, company_id)
        return items


def _choices(post) -> dict[int, str] | None:
    """{item pk: action} from the confirm form; None if it isn't what the page sends."""
    pks = post.getlist("item")
    if not pks or len(pks) > PER_PAGE or not all(pk.isdigit() and len(pk) < 19 for pk in pks):
        return None
    choices = {int(pk): post.get(f"action-{pk}", linking.SKIP) for pk in pks}
    if any(action not in linking.ACTIONS for action in choices.values()):
        return None
    return choices


@company_required
@require_http_methods(["GET", "POST"])
def import_items(request):
    company_id = request.company.pk
    if request.method == "POST":
        choices = _choices(request.POST)
        if choices is None:
            return HttpResponseBadRequest("Choose create, link or skip for each listed item.")
        outcome = linking.apply(company_id, choices)
        done = f"{outcome.created} created, {outcome.linked} linked, {outcome.skipped} skipped."
        messages.success(request, f"Imported from QuickBooks: {done}")
        for problem in outcome.problems[:20]:
            messages.warning(request, problem)
        return redirect(f"{reverse('catalog:import_items')}?{request.GET.urlencode()}")
    filters = ImportFilterForm(request.GET)
    items = filters.filter(company_id).order_by("fully_qualified_name", "id")
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    cursor = SyncCursor.objects.filter(company_id=company_id, entity="Item").first()
    context = {
        "filters": filters,
        "page": page,
        "proposals": linking.propose(company_id, list(page.object_list)),
        "cursor": cursor,
        "mirrored": Item.objects.filter(company_id=company_id).exists(),
    }
    return render(request, "catalog/import_items.html", context)


def search_items(company_id: int, text: str) -> list[Item]:
    """Up to SEARCH_RESULTS sellable items whose name (with its category) or SKU contains the
    text, by name. On PostgreSQL, catalog/migrations/0002's trigram indexes answer the
    UPPER(...) LIKE that icontains becomes; each item carries its linked product's pk."""
    linked = Product.objects.filter(company_id=company_id, qbo_item_id=OuterRef("qbo_id"))
    items = (
        linking.importable_items(company_id)
        .filter(Q(fully_qualified_name__icontains=text) | Q(sku__icontains=text))
        .annotate(product_id=Subquery(linked.values("pk")[:1]))
        .only("qbo_id", "name", "fully_qualified_name", "sku", "unit_price", "taxable", "type")
        .order_by("fully_qualified_name", "id")
    )
    return list(items[:SEARCH_RESULTS])


@company_required
@require_GET
def item_search(request):
    """The order form's item search: an htmx fragment, or JSON with ?format=json."""
    text = (request.GET.get("q") or "").strip()
    if len(text) > SEARCH_MAX_LENGTH or "\x00" in text:
        text = ""  # PostgreSQL refuses a NUL byte in a query: nothing can match it anyway
    items = search_items(request.company.pk, text) if text else []
    if request.GET.get("format") == "json":
        found = [
            {
                "id": item.pk,
                "qbo_id": item.qbo_id,
                "name": item.name,
                "fully_qualified_name": item.fully_qualified_name,
                "sku": item.sku,
                "unit_price": item.plain_price,
                "taxable": item.taxable,
                "type": item.type,
                "product_id": item.product_id,
            }
            for item in items
        ]
        return JsonResponse({"q": text, "items": found})
    return render(request, "catalog/_item_matches.html", {"items": items, "text": text})
