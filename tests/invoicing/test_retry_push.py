from datetime import timedelta

import pytest
from django.utils import timezone

from invoicing import services
from invoicing.models import Order
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def failed_order(company, **fields) -> Order:
    return make_order(
        company,
        push_status=Order.PushStatus.FAILED,
        push_generation=2,
        push_attempts=5,
        request_id="acme-1001-g2",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        last_error="Duplicate Document Number Error",
        last_error_code="6140",
        last_error_tid="1-abc",
        **fields,
    )


@pytest.mark.parametrize("status", [Order.PushStatus.FAILED, Order.PushStatus.WAITING])
def test_retry_resets_the_push_state_and_bumps_the_generation(
    company, status, django_capture_on_commit_callbacks, published_tasks
):
    order = failed_order(company)
    Order.objects.filter(pk=order.pk).update(push_status=status)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.retry_push(order) is True
    order.refresh_from_db()
    assert order.push_status == Order.PushStatus.PENDING
    assert order.push_generation == 3
    assert (order.request_id, order.last_error, order.last_error_code, order.last_error_tid) == (
        "",
        "",
        "",
        "",
    )
    assert order.next_attempt_at is None and order.push_attempts == 0
    for callback in callbacks:
        callback()
    assert published_tasks == [("invoicing.tasks.push_company", (order.company_id, 0))]


@pytest.mark.parametrize(
    "status", [Order.PushStatus.SYNCED, Order.PushStatus.PENDING, Order.PushStatus.IN_FLIGHT]
)
def test_retry_refuses_orders_that_are_not_failed_or_waiting(
    company, status, django_capture_on_commit_callbacks
):
    order = failed_order(company)
    Order.objects.filter(pk=order.pk).update(push_status=status)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.retry_push(order) is False
    order.refresh_from_db()
    assert order.push_status == status
    assert order.push_generation == 2 and order.request_id == "acme-1001-g2"
    assert callbacks == []


def test_a_second_retry_of_the_same_failure_does_nothing(
    company, django_capture_on_commit_callbacks
):
    order = failed_order(company)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.retry_push(order) is True
        assert services.retry_push(order) is False
    order.refresh_from_db()
    assert order.push_generation == 3
    assert len(callbacks) == 1
