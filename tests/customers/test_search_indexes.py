"""The trigram index behind every customer search (PostgreSQL only): the admin's, the customers
page's and the order form's picker, all over customers.search's one expression."""

import importlib

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory

from customers import search
from customers.models import Customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

migration = importlib.import_module("customers.migrations.0002_customer_search_indexes")
one_index = importlib.import_module("customers.migrations.0004_customer_search_one_index")
# What 0002 made that 0004 keeps (the four per-field trigram indexes became one).
KEPT = set(migration.INDEXES) - set(one_index.OLD_TRIGRAMS)


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def many_customers(company):
    Customer.objects.bulk_create(
        Customer(
            company=company,
            qbo_id=str(number),
            display_name=f"Customer {number:05}",
            company_name=f"Holding {number % 97}",
            email=f"person{number}@example{number % 13}.test",
            phone=f"(555) {number:07}",
        )
        for number in range(5000)
    )
    Customer.objects.filter(qbo_id="4321").update(
        display_name="Zanzibar Shipping",
        company_name="Quokka Logistics",
        email="ar@wombat.test",
        phone="(907) 313-8888",
    )
    with connection.cursor() as cursor:
        # Rows added after a GIN index was built wait in its pending list, which the planner
        # prices high until (auto)vacuum merges it; VACUUM can't run inside the test's
        # transaction, this function can.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [search.INDEX_NAME])
        cursor.execute("ANALYZE customers_customer")


def admin_search_plan(term: str, user) -> str:
    request = RequestFactory().get("/admin/customers/customer/", {"q": term})
    request.user = user
    customer_admin = site.get_model_admin(Customer)
    queryset, _ = customer_admin.get_search_results(
        request, customer_admin.get_queryset(request), term
    )
    # The changelist's first page: ordered, 100 rows.
    return queryset[: customer_admin.list_per_page].explain()


def test_migrations_leave_one_trigram_index():
    assert KEPT | {search.INDEX_NAME} <= index_names()
    assert not set(one_index.OLD_TRIGRAMS) & index_names()
    assert "customers_customer_company_id_d9d820a0" not in index_names()  # (company, qbo_id) serves
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("zanzibar", search.INDEX_NAME),
        ("quokka", search.INDEX_NAME),
        ("wombat", search.INDEX_NAME),
        ("313-8888", search.INDEX_NAME),
        ("4321", "customer_qbo_id_upper"),
    ],
)
@pytest.mark.parametrize("who", ["superuser", "staff"])
def test_admin_search_uses_the_index_for_each_field(
    many_customers, django_user_model, user, term, index, who
):
    if who == "superuser":
        user = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    plan = admin_search_plan(term, user)
    # The text's trigram index and the id's B-tree, OR'ed together.
    assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "Seq Scan on customers_customer" not in plan, plan


def test_admin_search_finds_through_the_indexes(many_customers, client, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(root)
    for term in ["zanzibar", "QUOKKA", "ar@wombat", "313-8888", "4321"]:
        response = client.get("/admin/customers/customer/", {"q": term})
        assert [c.qbo_id for c in response.context["cl"].result_list] == ["4321"], term


def test_changelist_order_uses_the_name_index(many_customers):
    plan = Customer.objects.order_by("display_name", "id")[:100].explain()
    assert "Index Scan using customer_name_order" in plan, plan


def test_the_customers_page_and_the_order_picker_use_the_index(many_customers, company):
    from invoicing.forms import orderable_customers

    for queryset in (
        Customer.objects.filter(company=company),
        orderable_customers(company),
    ):
        plan = search.matching(queryset, "quokka").explain()
        assert f"Bitmap Index Scan on {search.INDEX_NAME}" in plan, plan


@pytest.mark.parametrize("term", ["Zanzibar Shipping", "QUOKKA LOG", "ar@wombat.test", "(907) 313"])
def test_a_term_matches_inside_any_one_field(many_customers, term):
    assert [c.qbo_id for c in search.matching(Customer.objects.all(), term)] == ["4321"]


def test_the_admin_matches_each_word_in_any_field(many_customers, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    request = RequestFactory().get("/admin/customers/customer/", {"q": "zanzibar quokka"})
    request.user = root
    customer_admin = site.get_model_admin(Customer)
    found, _ = customer_admin.get_search_results(
        request, customer_admin.get_queryset(request), "zanzibar quokka"
    )
    assert [c.qbo_id for c in found] == ["4321"]
    quoted, _ = customer_admin.get_search_results(
        request, customer_admin.get_queryset(request), '"zanzibar quokka"'
    )
    assert not quoted.exists()  # quoted: one term, and no field holds both words


def test_a_term_never_matches_across_two_fields(many_customers):
    # "Shipping" ends the display name and "Quokka" begins the company name.
    assert not search.matching(Customer.objects.all(), "shipping" + "quokka").exists()
    assert not search.matching(Customer.objects.all(), "shippingquokka").exists()


def test_the_migrations_are_reversible():
    from django.apps import apps

    with connection.schema_editor() as editor:
        one_index.four_indexes(apps, editor)
    assert set(one_index.OLD_TRIGRAMS) <= index_names()
    assert search.INDEX_NAME not in index_names()
    with connection.schema_editor() as editor:
        migration.drop_indexes(None, editor)
    assert not set(migration.INDEXES) & index_names()
    with connection.schema_editor() as editor:
        migration.create_indexes(None, editor)
        one_index.one_index(apps, editor)
    assert KEPT | {search.INDEX_NAME} <= index_names()
    assert not set(one_index.OLD_TRIGRAMS) & index_names()
