"""The rules an invoice's later life relies on, as Intuit applies them: sparse updates on the
SyncToken with lines replaced whole, 5010 on a stale token, payments kept through an edit,
void semantics, send and its refusal, requestid replay of an update."""

from __future__ import annotations

from decimal import Decimal

from sandbox_support import Api


def _invoice(api: Api, *amounts: int) -> dict:
    customer = api.post("customer", {"DisplayName": f"Life {amounts}"}).json()["Customer"]
    item = api.rows("SELECT * FROM Item WHERE Name = 'Services'")["Item"][0]
    lines = [
        {
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "Description": f"line {n}",
            "SalesItemLineDetail": {
                "ItemRef": {"value": item["Id"]},
                "Qty": 1,
                "UnitPrice": amount,
            },
        }
        for n, amount in enumerate(amounts, 1)
    ]
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": lines}
    return api.post("invoice", body).json()["Invoice"]


def _sales(invoice: dict) -> list[dict]:
    return [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def test_a_sparse_update_replaces_the_lines_whole_and_bumps_the_token(api):
    invoice = _invoice(api, 10, 20)
    [first, _] = _sales(invoice)
    changed = {
        **first,
        "Amount": 30,
        "SalesItemLineDetail": {**first["SalesItemLineDetail"], "Qty": 3, "UnitPrice": 10},
    }
    body = {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "Line": [changed]}
    updated = api.post("invoice", body).json()["Invoice"]
    assert [(ln["Description"], ln["Amount"]) for ln in _sales(updated)] == [("line 1", 30)]
    assert (updated["TotalAmt"], updated["SyncToken"]) == (30, "1")
    assert updated["CustomerRef"] == invoice["CustomerRef"]  # what was not sent is kept


def test_an_update_on_a_stale_sync_token_is_5010_and_changes_nothing(api):
    invoice = _invoice(api, 10)
    api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "a"})
    stale = api.post(
        "invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "b"}
    )
    assert stale.status_code == 400
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    assert api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["PrivateNote"] == "a"


def test_a_repeated_requestid_replays_the_update_once(api):
    invoice = _invoice(api, 10)
    body = {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "once"}
    first = api.post("invoice", body, requestid="life-update-1").json()["Invoice"]
    again = api.post("invoice", body, requestid="life-update-1").json()["Invoice"]
    assert first == again and again["SyncToken"] == "1"
    assert api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["SyncToken"] == "1"


def test_a_payment_bumps_the_token_stays_applied_through_an_edit_and_bounds_it(api):
    invoice = _invoice(api, 100)
    payment = {
        "CustomerRef": invoice["CustomerRef"],
        "TotalAmt": 40,
        "Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    api.post("payment", payment)
    paid = api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert (paid["SyncToken"], paid["Balance"]) == ("1", 40 + 20)
    [line] = _sales(paid)
    lower = {
        **line,
        "Amount": 30,
        "SalesItemLineDetail": {**line["SalesItemLineDetail"], "UnitPrice": 30},
    }
    refused = api.post(
        "invoice", {"Id": paid["Id"], "SyncToken": "1", "sparse": True, "Line": [lower]}
    )
    assert refused.status_code == 400 and refused.json()["Fault"]["Error"][0]["code"] == "6000"
    higher = {
        **line,
        "Amount": 150,
        "SalesItemLineDetail": {**line["SalesItemLineDetail"], "UnitPrice": 150},
    }
    edited = api.post(
        "invoice", {"Id": paid["Id"], "SyncToken": "1", "sparse": True, "Line": [higher]}
    )
    edited = edited.json()["Invoice"]
    assert (edited["TotalAmt"], edited["Balance"]) == (150, 110)
    assert [k["TxnType"] for k in edited["LinkedTxn"]] == ["Payment"]


def test_a_voided_invoice_keeps_its_number_and_can_be_neither_edited_nor_sent(api):
    invoice = _invoice(api, 25, 5)
    voided = api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    voided = voided.json()["Invoice"]
    assert voided["DocNumber"] == invoice["DocNumber"] and voided["PrivateNote"] == "Voided"
    assert (voided["TotalAmt"], voided["Balance"]) == (0, 0)
    assert [ln["Amount"] for ln in _sales(voided)] == [0, 0]
    edit = api.post(
        "invoice",
        {"Id": invoice["Id"], "SyncToken": voided["SyncToken"], "sparse": True, "PrivateNote": "x"},
    )
    assert edit.status_code == 400
    send = api.post(f"invoice/{invoice['Id']}/send")
    assert send.status_code == 400
    again = api.post(
        "invoice", {"Id": invoice["Id"], "SyncToken": voided["SyncToken"]}, operation="void"
    )
    assert again.status_code == 400


def test_send_without_an_address_is_a_6000_fault_and_with_one_sets_delivery(api):
    invoice = _invoice(api, 10)
    refused = api.post(f"invoice/{invoice['Id']}/send")
    error = refused.json()["Fault"]["Error"][0]
    assert refused.status_code == 400 and error["code"] == "6000"
    assert "email" in error["Detail"].lower()
    sent = api.post(f"invoice/{invoice['Id']}/send", sendTo="ap@life.test").json()["Invoice"]
    assert (sent["EmailStatus"], sent["BillEmail"]["Address"]) == ("EmailSent", "ap@life.test")
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email" and sent["DeliveryInfo"]["DeliveryTime"]
    assert Decimal(str(sent["TotalAmt"])) == 10


def test_a_sparse_header_update_changes_only_what_it_sends_and_replaces_ship_addr_whole(api):
    """QBO-TRANSACTIONS.md §1: "only elements specified in the request are updated. Missing
    elements are left untouched"; an object sent (ShipAddr) is the new value whole."""
    invoice = _invoice(api, 10, 20)
    first = {
        "Id": invoice["Id"],
        "SyncToken": "0",
        "sparse": True,
        "CustomerMemo": {"value": "Thanks"},
        "ShipAddr": {"Line1": "1 Old Rd", "City": "Albany", "PostalCode": "12207"},
    }
    api.post("invoice", first)
    body = {
        "Id": invoice["Id"],
        "SyncToken": "1",
        "sparse": True,
        "DueDate": "2026-04-10",
        "ShipAddr": {"Line1": "9 New St", "City": "Portland", "CountrySubDivisionCode": "OR"},
    }
    updated = api.post("invoice", body).json()["Invoice"]
    assert updated["DueDate"] == "2026-04-10" and updated["SyncToken"] == "2"
    address = {k: v for k, v in updated["ShipAddr"].items() if k != "Id"}
    assert address == {"Line1": "9 New St", "City": "Portland", "CountrySubDivisionCode": "OR"}
    # What was not sent is kept: the memo, the lines, the date, the total.
    assert updated["CustomerMemo"] == {"value": "Thanks"}
    assert [ln["Amount"] for ln in _sales(updated)] == [10, 20]
    assert (updated["TxnDate"], updated["TotalAmt"]) == (invoice["TxnDate"], 30)


def test_a_sparse_update_with_lines_replaces_discount_and_shipping_lines_too(api):
    invoice = _invoice(api, 100)
    [sale] = _sales(invoice)
    discount = {"Amount": 10, "DetailType": "DiscountLineDetail"}
    discount["DiscountLineDetail"] = {"PercentBased": True, "DiscountPercent": 10}
    body = {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "Line": [sale, discount]}
    with_discount = api.post("invoice", body).json()["Invoice"]
    assert with_discount["TotalAmt"] == 90
    body = {"Id": invoice["Id"], "SyncToken": "1", "sparse": True, "Line": [sale]}
    without = api.post("invoice", body).json()["Invoice"]
    assert [ln["DetailType"] for ln in without["Line"]] == [
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    assert without["TotalAmt"] == 100
