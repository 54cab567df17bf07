"""Class and Department (name lists referenced by ClassRef/DepartmentRef) and Bill /
VendorCredit (expense lines, the A/P account, due dates), through python-quickbooks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects import Bill, Class, Department, Invoice, Vendor, VendorCredit
from quickbooks.objects.detailline import AccountBasedExpenseLine, AccountBasedExpenseLineDetail

from sandbox_support import unpaced
from test_transactions import _customer, _line


@pytest.fixture(autouse=True)
def _quick(request):
    if "sandbox" in request.fixturenames:
        unpaced(request.getfixturevalue("sandbox"))


def _named(qb, cls, name, parent=None, **fields):
    obj = cls()
    obj.Name = name
    if parent is not None:
        setattr(obj, "SubClass" if cls is Class else "SubDepartment", True)
        obj.ParentRef = parent.to_ref()
    for key, value in fields.items():
        setattr(obj, key, value)
    return obj.save(qb=qb)


def test_classes_nest_and_names_are_unique_by_full_name(qb):
    parent = _named(qb, Class, "Landscaping")
    child = _named(qb, Class, "Design", parent)
    assert (child.FullyQualifiedName, child.SubClass) == ("Landscaping:Design", True)
    assert child.ParentRef.value == parent.Id
    _named(qb, Class, "Design")  # another parent (none): allowed
    with pytest.raises(QuickbooksException) as duplicate:
        _named(qb, Class, "design", parent)
    assert duplicate.value.error_code == 6240
    assert [c.Name for c in Class.filter(Name="Design", qb=qb)] == ["Design", "Design"]


def test_a_deactivated_class_is_deleted_by_name_and_refused_on_lines(qb, api, sandbox, realm):
    sandbox.control.set_features(realm, class_tracking="line")
    gone = _named(qb, Class, "Seasonal")
    gone.Active = False
    gone = gone.save(qb=qb)
    assert (gone.Name, gone.Active, gone.FullyQualifiedName) == (
        "Seasonal (Deleted)",
        False,
        "Seasonal",
    )
    assert _named(qb, Class, "Seasonal").Active is True  # the name is free again
    line = {
        "Amount": 10,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "ClassRef": {"value": gone.Id}},
    }
    error = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}).json()
    assert error["Fault"]["Error"][0]["code"] == "610"
    line["SalesItemLineDetail"]["ClassRef"] = {"value": "999"}
    error = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}).json()
    # An Id that does not exist is 2500 Invalid Reference Id, naming the element.
    assert error["Fault"]["Error"][0]["code"] == "2500"
    assert error["Fault"]["Error"][0]["element"] == "Line.SalesItemLineDetail.ClassRef"


def test_class_and_department_refs_on_invoices(qb, sandbox, realm):
    sandbox.control.set_features(realm, class_tracking="line", track_departments=True)
    region = _named(qb, Department, "North")
    site = _named(qb, Department, "Mountain View", region)
    assert (site.FullyQualifiedName, site.SubDepartment) == ("North:Mountain View", True)
    design = _named(qb, Class, "Design Work")
    line = _line(qb, 30)
    line.SalesItemLineDetail.ClassRef = design.to_ref()
    invoice = Invoice()
    invoice.CustomerRef = _customer(qb, "Tracked Buyer").to_ref()
    invoice.Line = [line]
    invoice.DepartmentRef = site.to_ref()
    saved = invoice.save(qb=qb)
    assert saved.DepartmentRef.value == site.Id
    assert saved.DepartmentRef.name == "North:Mountain View"
    assert saved.Line[0].SalesItemLineDetail.ClassRef.value == design.Id
    site.Active = False
    site.save(qb=qb)
    invoice = Invoice()
    invoice.CustomerRef = saved.CustomerRef
    invoice.Line = [_line(qb, 5)]
    invoice.DepartmentRef = site.to_ref()
    with pytest.raises(QuickbooksException) as inactive:
        invoice.save(qb=qb)
    assert inactive.value.error_code == 610


def _expense(account_id: str, amount) -> AccountBasedExpenseLine:
    line = AccountBasedExpenseLine()
    line.Amount = Decimal(str(amount))
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = {"value": account_id}
    return line


def test_a_bill_owes_the_vendor_on_the_payables_account(qb, api):
    vendor = Vendor.filter(DisplayName="Hicks Hardware", qb=qb)[0]
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.TxnDate = "2026-05-05"
    bill.Line = [_expense("15", 100), _expense("16", 50)]
    bill = bill.save(qb=qb)
    assert (bill.TotalAmt, bill.Balance, bill.DueDate) == (150, 150, "2026-05-05")
    assert bill.APAccountRef.name == "Accounts Payable (A/P)"
    raw = api.get(f"bill/{bill.Id}").json()["Bill"]
    assert raw["Line"][0]["AccountBasedExpenseLineDetail"]["BillableStatus"] == "NotBillable"
    assert raw["Line"][0]["AccountBasedExpenseLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert raw["MetaData"]["LastModifiedByRef"]
    net15 = api.rows("SELECT * FROM Term WHERE Name = 'Net 15'")["Term"][0]
    termed = api.post(
        "bill",
        {
            "VendorRef": {"value": vendor.Id},
            "TxnDate": "2026-05-05",
            "SalesTermRef": {"value": net15["Id"]},
            "Line": [
                {
                    "Amount": 5,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "15"}},
                }
            ],
        },
    ).json()["Bill"]
    assert termed["DueDate"] == "2026-05-20"
    assert [b.Id for b in Bill.filter(VendorRef=vendor.Id, qb=qb)] == [bill.Id, termed["Id"]]
    bill.delete(qb=qb)
    assert api.get(f"bill/{bill.Id}").status_code == 400


def test_bills_need_a_vendor_lines_and_accounts(api):
    line = {"Amount": 5, "DetailType": "AccountBasedExpenseLineDetail"}
    cases = [
        (
            {"Line": [{**line, "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "15"}}}]},
            "2020",
        ),
        ({"VendorRef": {"value": "1"}}, "2020"),
        (
            {"VendorRef": {"value": "1"}, "Line": [{**line, "AccountBasedExpenseLineDetail": {}}]},
            "2020",
        ),
        (
            {
                "VendorRef": {"value": "1"},
                "Line": [
                    {**line, "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "999"}}}
                ],
            },
            "610",
        ),
        ({"VendorRef": {"value": "1"}, "Memo": "x"}, "2010"),
    ]
    for body, code in cases:
        assert api.post("bill", body).json()["Fault"]["Error"][0]["code"] == code, body


def test_a_vendor_credit_is_created_and_read(qb):
    credit = VendorCredit()
    credit.VendorRef = Vendor.filter(DisplayName="PG&E", qb=qb)[0].to_ref()
    credit.Line = [_expense("15", 20)]
    credit = credit.save(qb=qb)
    again = VendorCredit.get(credit.Id, qb=qb)
    assert (again.TotalAmt, again.Line[0].Amount) == (20, 20)
    assert again.to_json()  # python-quickbooks reads it back


def test_tracking_lists_and_bills_are_in_cdc_and_webhooks(hooked):
    unpaced(hooked.sandbox)
    api = hooked.api
    made = {
        "Class": api.post("class", {"Name": "Hooked Class"}),
        "Department": api.post("department", {"Name": "Hooked Dept"}),
        "Bill": api.post(
            "bill",
            {
                "VendorRef": {"value": "1"},
                "Line": [
                    {
                        "Amount": 5,
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "15"}},
                    }
                ],
            },
        ),
    }
    ids = {}
    for entity, response in made.items():
        assert response.status_code == 200, response.text
        ids[entity] = response.json()[entity]["Id"]
    since = api.get("preferences").json()["time"][:10]
    answer = api.get("cdc", entities="Class,Department,Bill", changedSince=since).json()
    responses = answer["CDCResponse"][0]["QueryResponse"]
    assert [r[e][0]["Id"] for r, e in zip(responses, made, strict=True)] == list(ids.values())
    hooked.control.flush_webhooks()
    types = {event["type"] for d in hooked.receiver.wait_for(1) for event in d.json()}
    assert {"qbo.class.created.v1", "qbo.department.created.v1", "qbo.bill.created.v1"} <= types
