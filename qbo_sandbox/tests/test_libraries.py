"""The "done when" path: intuit-oauth and python-quickbooks, unchanged but for base URLs."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import requests
from intuitlib.enums import Scopes
from quickbooks.objects import Customer, Invoice, Item, Payment
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.payment import PaymentLine

from qbo_sandbox.testing import authorize
from sandbox_support import new_auth_client, quickbooks_for, unpaced


def test_connect_then_work_with_every_object_through_the_real_libraries(sandbox, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    unpaced(sandbox)
    auth_client = new_auth_client(sandbox)
    url = auth_client.get_authorization_url([Scopes.ACCOUNTING])
    callback = parse_qs(urlparse(authorize(requests.Session(), url)).query)
    assert callback["state"] == [auth_client.state_token]
    auth_client.get_bearer_token(callback["code"][0], realm_id=callback["realmId"][0])
    qb = quickbooks_for(sandbox, auth_client, use_decimal=False)

    customer = Customer()
    customer.DisplayName = "Library Customer"
    customer = customer.save(qb=qb)
    customer.sparse, customer.Notes = True, "sparse note"
    customer = customer.save(qb=qb)
    assert Customer.get(customer.Id, qb=qb).Notes == "sparse note"

    item = Item.filter(Name="Design", qb=qb)[0]
    line = SalesItemLine()
    line.Amount = 150.0
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = 2, 75
    invoice = Invoice()
    invoice.CustomerRef, invoice.Line = customer.to_ref(), [line]
    invoice = invoice.save(qb=qb, request_id="lib-invoice-1")
    assert invoice.TotalAmt == 150.0 and isinstance(invoice.TotalAmt, float)

    payment = Payment()
    payment.CustomerRef, payment.TotalAmt = customer.to_ref(), 100.0
    applied = PaymentLine()
    applied.Amount, applied.LinkedTxn = 100.0, [invoice.to_linked_txn()]
    payment.Line = [applied]
    payment = payment.save(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 50.0
    assert Customer.get(customer.Id, qb=qb).Balance == 50.0

    assert Invoice.count(f"CustomerRef = '{customer.Id}'", qb=qb) == 1
    assert [p.Id for p in Payment.filter(CustomerRef=customer.Id, qb=qb)] == [payment.Id]
    payment.void(qb=qb)
    Invoice.get(invoice.Id, qb=qb).void(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0
    other = Invoice()
    other.CustomerRef, other.Line = customer.to_ref(), [line]
    other = other.save(qb=qb)
    other.delete(qb=qb)
    assert Invoice.count(f"Id = '{other.Id}'", qb=qb) == 0


def test_python_quickbooks_refreshes_implicitly_when_given_no_access_token(sandbox, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = new_auth_client(sandbox)
    url = client.get_authorization_url([Scopes.ACCOUNTING])
    callback = parse_qs(urlparse(authorize(requests.Session(), url)).query)
    client.get_bearer_token(callback["code"][0], realm_id=callback["realmId"][0])
    stored = new_auth_client(sandbox, refresh_token=client.refresh_token, realm_id=client.realm_id)
    qb = quickbooks_for(sandbox, stored)
    assert stored.access_token  # QuickBooks() refreshed in its constructor
    assert Customer.get(1, qb=qb).Id == "1"
    assert Decimal(str(Customer.get(1, qb=qb).Balance)) > 0
