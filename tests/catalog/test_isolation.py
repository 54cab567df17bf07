"""A member of Bravo Traders reaches none of Acme Supplies' items, by any catalog URL."""

import pytest
from django.urls import URLPattern, reverse

from catalog import urls
from invoicing.models import Product
from tests.catalog.support import make_item

pytestmark = pytest.mark.django_db

SECRET = "Acme-Secret"  # in every name of Acme's data, so any leak shows in a page
SEARCH = "cme-secre"  # finds SECRET (case-insensitively) without being echoed as it


@pytest.fixture
def acme(company):
    item = make_item(company, "41", f"{SECRET} item", sku=f"{SECRET}-SKU")
    product = Product.objects.create(company=company, name=f"{SECRET} product")
    return {"item": item, "product": product}


def url_names() -> set[str]:
    return {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}


def cases(acme) -> list[tuple[str, str, dict, set[int]]]:
    """(url name, method, data, allowed statuses)."""
    item = acme["item"]
    return [
        ("catalog:import_items", "get", {"q": SEARCH, "show": "all"}, {200}),
        ("catalog:import_items", "post", {"item": [item.pk], f"action-{item.pk}": "create"}, {302}),
        ("catalog:item_search", "get", {"q": SEARCH}, {200}),
        ("catalog:item_search", "get", {"q": SEARCH, "format": "json"}, {200}),
    ]


def test_every_url_refuses_another_companys_items(bob_client, company, acme):
    covered = set()
    for name, method, data, allowed in cases(acme):
        covered.add(name.removeprefix("catalog:"))
        response = getattr(bob_client, method)(reverse(name), data)
        assert response.status_code in allowed, (name, method, response.status_code)
        if response.status_code == 302:
            response = bob_client.get(response["Location"])  # the page it sends Bob to
        assert SECRET not in response.content.decode(), (name, method)
    assert covered == url_names(), "every catalog URL needs an isolation case"
    assert list(Product.objects.values_list("company", flat=True)) == [company.pk]
    assert Product.objects.get().qbo_item_id == ""


def test_every_url_sends_anonymous_visitors_to_log_in(client, acme):
    for name, method, data, _ in cases(acme):
        response = getattr(client, method)(reverse(name), data)
        assert response.status_code == 302, name
        assert "/login/" in response["Location"], name


def test_a_user_without_a_company_gets_a_friendly_page(client, django_user_model, acme):
    loner = django_user_model.objects.create_user(email="loner@example.com", password="pw")
    client.force_login(loner)
    for name, method, data, _ in cases(acme):
        response = getattr(client, method)(reverse(name), data)
        assert response.status_code == 403, name
        assert "not a member of any company" in response.content.decode(), name
