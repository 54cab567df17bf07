"""The payment admin: search, scoping, applications linked to our orders, read-only, resync."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from invoicing.models import Order
from payments.models import CreditMemo, Payment, PaymentApplication, RefundReceipt
from tests.payments.support import make_payment
from tests.support import store_connection

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/payments/payment/"


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [payment.qbo_id for payment in response.context["cl"].result_list]


def test_changelist_shows_customer_date_amounts_and_reference(staff_client, globex_payment):
    response = staff_client.get(CHANGELIST)
    assert shown(response) == ["9"]
    for text in ["Globex Corporation", "March 9, 2026", "120.00", "20.00", "USD", "CHK-4471"]:
        assert text in response.text


@pytest.mark.parametrize("term", ["9", "chk-4471", "globex corp"])
def test_search_by_quickbooks_id_reference_or_customer_name(
    staff_client, company, globex_payment, term
):
    make_payment(company, "19", customer_name="Umbrella Corp", reference_number="CHK-1")
    assert shown(staff_client.get(CHANGELIST, {"q": term})) == ["9"]


def test_staff_see_only_their_companies_payments(staff_client, globex_payment, initech_payment):
    response = staff_client.get(CHANGELIST)
    assert shown(response) == ["9"]
    assert "WIRE-0099" not in response.text and "Bravo Traders" not in response.text
    for term in ["11", "wire-0099", "initech"]:
        assert shown(staff_client.get(CHANGELIST, {"q": term})) == []
    change = staff_client.get(f"{CHANGELIST}{initech_payment.pk}/change/")
    assert change.status_code in (302, 404) and "WIRE-0099" not in change.text


def test_superusers_see_every_companys_payments(superuser_client, globex_payment, initech_payment):
    assert set(shown(superuser_client.get(CHANGELIST))) == {"9", "11"}


def test_applications_are_shown_read_only_with_links_to_our_orders(
    staff_client, company, globex, globex_payment
):
    order = Order.objects.create(
        company=company,
        customer=globex,
        number="1001",
        order_date=date(2026, 3, 2),
        qbo_invoice_id="130",
    )
    PaymentApplication.objects.create(
        payment=globex_payment, invoice_qbo_id="130", amount=Decimal("100.00"), order=order
    )
    PaymentApplication.objects.create(
        payment=globex_payment, invoice_qbo_id="131", amount=Decimal("0.00")
    )
    response = staff_client.get(f"{CHANGELIST}{globex_payment.pk}/change/")
    assert response.status_code == 200
    assert f'<a href="/admin/invoicing/order/{order.pk}/change/">Order 1001</a>' in response.text
    assert "Not one of our orders" in response.text
    (inline,) = response.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_change_permission
    assert not inline.has_delete_permission


def test_payments_cannot_be_added_edited_or_deleted(superuser_client, globex_payment):
    assert superuser_client.get(f"{CHANGELIST}add/").status_code == 403
    assert superuser_client.post(f"{CHANGELIST}{globex_payment.pk}/delete/").status_code == 403
    page = superuser_client.get(f"{CHANGELIST}{globex_payment.pk}/change/")
    assert list(page.context["adminform"].form.fields) == []
    edit = superuser_client.post(f"{CHANGELIST}{globex_payment.pk}/change/", {"total_amount": "1"})
    assert edit.status_code == 403
    assert Payment.objects.get().total_amount == Decimal("120.00")


def test_raw_json_and_quickbooks_link(superuser_client, company, globex_payment):
    globex_payment.raw = {"Id": "9", "TotalAmt": 120}
    globex_payment.save()
    store_connection(company, realm_id="4620816365", environment="production")
    response = superuser_client.get(f"{CHANGELIST}{globex_payment.pk}/change/")
    assert "<pre>{\n  &quot;Id&quot;: &quot;9&quot;," in response.text
    assert 'href="https://qbo.intuit.com/app/recvpayment?txnId=9"' in response.text.replace(
        "&amp;", "&"
    )


def test_local_sandbox_link_goes_to_its_payments_list(
    superuser_client, settings, company, globex_payment
):
    settings.QBO_LOCAL_SANDBOX_PUBLIC_URL = "http://localhost:8001"
    store_connection(company, realm_id="4620816365", environment="local")
    response = superuser_client.get(f"{CHANGELIST}{globex_payment.pk}/change/")
    assert 'href="http://localhost:8001/ui/companies/4620816365/payments"' in response.text


def test_resync_rereads_payments_from_the_sandbox(
    client, user, connected, company, qbo, sandbox_realm
):
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Company staff"))
    stale = make_payment(company, "2", total_amount=Decimal("1.00"), customer_name="Old")
    sandbox_payment = qbo.state.companies[sandbox_realm].get("Payment", "2")
    response = client.post(
        CHANGELIST,
        {"action": "resync_from_quickbooks", "_selected_action": [stale.pk]},
        follow=True,
    )
    assert "Acme Supplies: 1 payment refreshed from QuickBooks." in response.text
    stale.refresh_from_db()
    assert stale.total_amount == Decimal(str(sandbox_payment["TotalAmt"]))
    assert stale.customer_name == sandbox_payment["CustomerRef"]["name"]
    assert stale.raw["Id"] == "2"
    invoices = {line["LinkedTxn"][0]["TxnId"] for line in sandbox_payment["Line"]}
    assert {a.invoice_qbo_id for a in stale.applications.all()} == invoices


@pytest.mark.parametrize(
    ("model", "path"),
    [(CreditMemo, "creditmemo"), (RefundReceipt, "refundreceipt")],
)
def test_credit_memos_and_refunds_are_scoped_and_read_only(
    staff_client, company, other_company, globex, model, path
):
    ours = model.objects.create(
        company=company, qbo_id="31", customer=globex, customer_name="Globex Corporation"
    )
    theirs = model.objects.create(company=other_company, qbo_id="32", customer_name="Initech")
    listing = staff_client.get(f"/admin/payments/{path}/")
    assert [row.qbo_id for row in listing.context["cl"].result_list] == ["31"]
    assert "Initech" not in listing.text
    page = staff_client.get(f"/admin/payments/{path}/{ours.pk}/change/")
    assert page.status_code == 200 and "Globex Corporation" in page.text
    assert list(page.context["adminform"].form.fields) == []  # nothing to edit
    other = staff_client.get(f"/admin/payments/{path}/{theirs.pk}/change/")
    assert other.status_code in (302, 404) and "Initech" not in other.text
