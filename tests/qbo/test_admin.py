"""qbsync's read-only admins (webhook events, sync cursors, the call log) and the staff group.

They are built on qbo.admin_base.ReadOnlyCompanyAdmin, so they are tested with it here.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from qbo.models import QBOCall, SyncCursor, WebhookEvent

pytestmark = pytest.mark.django_db


def rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def make_event(company, entity_id: str, **fields) -> WebhookEvent:
    fields.setdefault("entity", "Customer")
    fields.setdefault("operation", "Update")
    return WebhookEvent.objects.create(
        event_id=f"evt-{company.pk}-{entity_id}",
        realm_id=f"realm-{company.pk}",
        company=company,
        entity_id=entity_id,
        payload_format="cloudevents",
        **fields,
    )


def test_webhook_events_show_their_processing_state(staff_client, company):
    make_event(company, "58", status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now())
    make_event(company, "59", entity="Payment", operation="Create")
    response = staff_client.get("/admin/qbo/webhookevent/")
    assert [e.entity_id for e in rows(response)] == ["59", "58"]
    for text in ["Processed", "Pending", "Payment", "Create", f"realm-{company.pk}"]:
        assert text in response.text
    pending = staff_client.get("/admin/qbo/webhookevent/", {"status__exact": "pending"})
    assert [e.entity_id for e in rows(pending)] == ["59"]
    payments = staff_client.get("/admin/qbo/webhookevent/", {"entity": "Payment"})
    assert [e.entity_id for e in rows(payments)] == ["59"]


def test_webhook_events_are_scoped_and_read_only(
    staff_client, superuser_client, company, other_company
):
    ours, theirs = make_event(company, "58"), make_event(other_company, "77")
    assert rows(staff_client.get("/admin/qbo/webhookevent/")) == [ours]
    assert staff_client.get(f"/admin/qbo/webhookevent/{theirs.pk}/change/").status_code in (
        302,
        404,
    )
    assert set(rows(superuser_client.get("/admin/qbo/webhookevent/"))) == {ours, theirs}
    assert superuser_client.get("/admin/qbo/webhookevent/add/").status_code == 403
    page = superuser_client.get(f"/admin/qbo/webhookevent/{ours.pk}/change/")
    assert page.status_code == 200 and list(page.context["adminform"].form.fields) == []


def test_sync_cursors_show_state_progress_and_errors(staff_client, company, other_company):
    SyncCursor.objects.create(
        company=company,
        entity="Customer",
        state=SyncCursor.State.IMPORTING,
        import_done=500,
        import_total=2000,
    )
    SyncCursor.objects.create(
        company=company,
        entity="Payment",
        state=SyncCursor.State.ERROR,
        last_error="QuickBooks didn't answer " + "x" * 200,
    )
    SyncCursor.objects.create(company=other_company, entity="Customer")
    response = staff_client.get("/admin/qbo/synccursor/")
    assert [c.entity for c in rows(response)] == ["Customer", "Payment"]
    assert "25% (500 of 2,000)" in response.text
    assert "Importing" in response.text and "Failing" in response.text
    assert "QuickBooks didn&#x27;t answer xxx" in response.text
    assert "x" * 100 not in response.text


def test_call_log_is_newest_first_scoped_and_filterable(staff_client, company, other_company):
    old = QBOCall.objects.create(
        company=company, operation="query Customer", method="POST", status_code=200
    )
    QBOCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    failed = QBOCall.objects.create(
        company=company,
        operation="create Invoice",
        method="POST",
        status_code=400,
        duration_ms=812,
        request_id="req-abc",
        intuit_tid="1-abc-def",
        error="Invalid Reference Id",
    )
    QBOCall.objects.create(company=other_company, operation="query Payment", method="POST")
    QBOCall.objects.create(company=None, operation="oauth.discovery", method="GET")
    response = staff_client.get("/admin/qbo/qbocall/")
    assert rows(response) == [failed, QBOCall.objects.get(pk=old.pk)]
    for text in ["create Invoice", "812", "req-abc", "1-abc-def", "Invalid Reference Id"]:
        assert text in response.text
    assert rows(staff_client.get("/admin/qbo/qbocall/", {"outcome": "failed"})) == [failed]
    assert rows(staff_client.get("/admin/qbo/qbocall/", {"q": "1-abc-def"})) == [failed]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/customers/customer/",
        "/admin/payments/payment/",
        "/admin/invoicing/order/",
        "/admin/invoicing/product/",
        "/admin/qbo/webhookevent/",
        "/admin/qbo/synccursor/",
        "/admin/qbo/qbocall/",
    ],
)
def test_the_company_staff_group_opens_the_admin_pages(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_the_company_staff_group_can_push_orders_again_but_not_edit_mirrors(staff_user):
    assert staff_user.has_perm("invoicing.change_order")
    assert staff_user.has_perm("invoicing.change_product")
    assert staff_user.has_perm("payments.view_paymentapplication")
    assert not staff_user.has_perm("customers.change_customer")
    assert not staff_user.has_perm("payments.delete_payment")
    assert not staff_user.has_perm("accounts.view_user")


def test_demo_user_is_company_staff():
    call_command("bootstrap_demo")
    call_command("bootstrap_demo")
    demo = User.objects.get(email="demo@example.com")
    assert list(demo.groups.values_list("name", flat=True)) == ["Company staff"]
    assert demo.is_staff and demo.has_perm("customers.view_customer")
