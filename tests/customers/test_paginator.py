import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from qbo.paginators import CappedCount, CappedPaginator
from tests.support import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven(company):
    for number in range(7):
        make_customer(company, f"Customer {number}")
    return Customer.objects.order_by("display_name", "id")


def test_counts_exactly_below_the_cap(seven):
    paginator = CappedPaginator(seven, 2, cap=10)
    assert paginator.count == 7
    assert not paginator.is_capped
    assert paginator.num_pages == 4
    with pytest.raises(EmptyPage):
        paginator.page(5)


def test_stops_counting_at_the_cap_and_reads_cap_plus(seven):
    paginator = CappedPaginator(seven, 2, cap=3)
    assert paginator.count == 4
    assert isinstance(paginator.count, CappedCount)
    assert str(paginator.count) == "3+"
    assert str(CappedCount(10_000)) == "10,000+"
    assert paginator.is_capped
    assert paginator.num_pages == 2


def test_count_is_a_limited_subquery(seven):
    paginator = CappedPaginator(seven, 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 4
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "COUNT(*)" in sql and "LIMIT 4" in sql
    # Ordering a count is wasted work.
    assert "ORDER BY" not in sql


def test_pages_past_the_cap_exist_while_they_have_rows(seven):
    paginator = CappedPaginator(seven, 2, cap=3)
    names = [c.display_name for c in paginator.page(4).object_list]
    assert names == ["Customer 6"]
    assert paginator.page(3).object_list[0].display_name == "Customer 4"
    with pytest.raises(EmptyPage):
        paginator.page(5)
    with pytest.raises(EmptyPage):
        paginator.page(0)
    with pytest.raises(PageNotAnInteger):
        paginator.page("x")


def test_pages_within_the_cap_are_ordinary_pages(seven):
    page = CappedPaginator(seven, 2, cap=3).page(1)
    assert [c.display_name for c in page] == ["Customer 0", "Customer 1"]
    assert page.has_next()
