"""Finding a QuickBooks customer, or creating it exactly once, and mirroring it here.

The rule (deterministic): a QBO customer with the email; else one with the DisplayName; else
a new customer. If QBO answers 6240 (the name is taken — by a customer created meanwhile, or
by a vendor or an employee, which share DisplayName's namespace), use the customer of that
name if there is one; otherwise the new customer is named "<name> (customer)", and if that is
taken by a non-customer too, QuickBooks' refusal says so.
"""

import hashlib
import json

from customers.models import Customer, CustomerWrite
from customers.sync import upsert_customers
from qbo.client import QBOClient
from qbo.errors import Rejected, StaleObject, Unavailable
from qbo.idempotency import derived_request_id

DUPLICATE_NAME = "6240"


def find_customer(qb: QBOClient, *, email: str, name: str) -> dict | None:
    """A QBO customer with this email, else with this DisplayName."""
    if email and (found := qb.find("Customer", {"PrimaryEmailAddr": email})):
        return found
    if name and (found := qb.find("Customer", {"DisplayName": name})):
        return found
    return None


def create_customer(
    qb: QBOClient,
    *,
    name: str,
    email: str,
    request_id: str,
    job: dict | None = None,
    currency: str = "",
) -> dict:
    """A new QBO customer, or the one of that name if QBO says it exists. `request_id` names
    the write it serves; each candidate name gets its own id derived from it. `job`: the
    fields that make it a sub-customer (job_fields), whose currency is its parent's;
    `currency`: another than the company's home currency (multicurrency), else left out."""
    for candidate in (name, f"{name} (customer)"):
        body: dict = {"DisplayName": candidate, **(job or {})}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        if currency and not job:
            body["CurrencyRef"] = {"value": currency}
        try:
            # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#create-a-customer
            request = derived_request_id(request_id, "customer", candidate)
            return qb.create("Customer", body, request_id=request)
        except Rejected as exc:
            if exc.code != DUPLICATE_NAME:
                raise
            if found := qb.find("Customer", {"DisplayName": candidate}):
                return found  # a customer of that name exists (maybe created a moment ago)
    raise Rejected(
        f'"{name}" and "{name} (customer)" are both used by vendors or employees in '
        "QuickBooks. Rename the customer, then retry.",
        code=DUPLICATE_NAME,
    )


def find_or_create_customer(
    qb: QBOClient,
    company_id: int,
    *,
    name: str,
    email: str,
    request_id: str,
    parent: Customer | None = None,
    bill_with_parent: bool = False,
    currency: str = "",
) -> Customer:
    """The mirrored customer for a name and email, found in QBO or created there once (in
    `currency` when given; a job in its parent's). A sub-customer (a `parent` given) is
    found by its name only: a job often shares its parent's email, and the email would find
    the parent."""
    if parent is None:
        found = find_customer(qb, email=email, name=name)
    else:
        found = find_customer(qb, email="", name=name)
    job = job_fields(parent, bill_with_parent=bill_with_parent)
    data = found or create_customer(
        qb, name=name, email=email, request_id=request_id, job=job, currency=currency
    )
    upsert_customers(company_id, [data])
    return Customer.objects.get(company_id=company_id, qbo_id=str(data["Id"]))


# --- Customers created and edited from qbsync's customer pages --------------------------------

# Form field -> (QBO object, its key); addresses are sent whole when any part changed.
SIMPLE = {
    "display_name": ("DisplayName", None),
    "company_name": ("CompanyName", None),
    "email": ("PrimaryEmailAddr", "Address"),
    "phone": ("PrimaryPhone", "FreeFormNumber"),
}
ADDRESS_PARTS = {
    "line1": "Line1",
    "city": "City",
    "region": "CountrySubDivisionCode",
    "postal_code": "PostalCode",
    "country": "Country",
}
ADDRESSES = {"bill": "BillAddr", "ship": "ShipAddr"}
DETAIL_FIELDS = [*SIMPLE, *(f"{a}_{p}" for a in ADDRESSES for p in ADDRESS_PARTS)]


class NotConfirmed(Exception):
    """QuickBooks didn't answer whether the write happened; trying again is safe."""


class Conflict(Exception):
    """The customer changed in QuickBooks since the form was opened (QBO fault 5010, or a
    newer SyncToken in the mirror): nothing was written; `current` is QuickBooks' row now."""

    def __init__(self, current: Customer) -> None:
        super().__init__(f"customer {current.qbo_id} changed in QuickBooks")
        self.current = current


def customer_body(details: dict, *, only: set[str] | None = None) -> dict:
    """QBO Customer fields for form values (`only`: the changed ones, for a sparse update).
    A cleared email or phone is sent empty: a sparse update can't remove a key."""
    body: dict = {}
    for name, (key, inner) in SIMPLE.items():
        if only is None or name in only:
            value = details.get(name, "")
            if only is None and not value and key != "DisplayName":
                continue
            body[key] = {inner: value} if inner else value
    for prefix, key in ADDRESSES.items():
        names = {f"{prefix}_{part}" for part in ADDRESS_PARTS}
        if only is not None and not names & only:
            continue
        address = {qbo: details.get(f"{prefix}_{part}", "") for part, qbo in ADDRESS_PARTS.items()}
        if only is not None:
            # Our street line holds QuickBooks' Line1..Line5 joined (customers.sync): the
            # others are emptied, or they would come back twice.
            body[key] = address | {f"Line{n}": "" for n in range(2, 6)}
        elif any(address.values()):
            body[key] = address
    return body


def _payload_key(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def record_create(company_id: int, form_token, user) -> CustomerWrite:
    """The write's row, stored (committed) before the first attempt; the same form token
    gets the same row back."""
    write, _ = CustomerWrite.objects.get_or_create(
        company_id=company_id, form_token=form_token, defaults={"created_by": user}
    )
    return write


def job_fields(parent: Customer | None, *, bill_with_parent: bool = False) -> dict:
    """What makes a new customer a sub-customer (job) of `parent` (Intuit's Customer page:
    "Set Job to true and set ParentRef to reference parent customer object")."""
    if parent is None:
        return {}
    return {
        "Job": True,
        "ParentRef": {"value": parent.qbo_id},
        "BillWithParent": bool(bill_with_parent),
    }


def create_with_details(
    qb: QBOClient,
    write: CustomerWrite,
    details: dict,
    *,
    parent: Customer | None = None,
    bill_with_parent: bool = False,
) -> Customer:
    """Create the customer in QBO once and mirror it. The requestid derives from the form's
    token and what is sent: a retry of the same form sends the same one (QBO answers it
    with its first answer), a corrected form a new one. After an ambiguous failure the
    customer is looked up by its name before anyone tries again."""
    if write.status == CustomerWrite.Status.DONE and write.customer is not None:
        return write.customer
    if parent is not None and parent.company_id != write.company_id:
        raise ValueError("The parent customer belongs to another company")
    body = {**customer_body(details), **job_fields(parent, bill_with_parent=bill_with_parent)}
    request_id = derived_request_id("customer-page", write.form_token, _payload_key(body))
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#create-a-customer
        data = qb.create("Customer", body, request_id=request_id)
    except Unavailable as exc:
        found = exc.maybe_committed and qb.find("Customer", {"DisplayName": body["DisplayName"]})
        if not found:
            write.last_error = exc.text[:2000]
            write.save(update_fields=["last_error", "updated_at"])
            raise NotConfirmed(exc.text) from exc
        data = found
    upsert_customers(write.company_id, [data])
    customer = Customer.objects.get(company_id=write.company_id, qbo_id=str(data["Id"]))
    write.status, write.customer, write.last_error = CustomerWrite.Status.DONE, customer, ""
    write.save(update_fields=["status", "customer", "last_error", "updated_at"])
    return customer


def current_details(customer: Customer) -> dict:
    return {name: getattr(customer, name) for name in DETAIL_FIELDS}


def _reread(qb: QBOClient, customer: Customer) -> Customer:
    data = qb.find("Customer", {"Id": customer.qbo_id})
    if data is not None:
        upsert_customers(customer.company_id, [data])
    customer.refresh_from_db()
    return customer


def update_details(
    qb: QBOClient, customer: Customer, details: dict, *, sync_token: str
) -> Customer:
    """A sparse update of what changed since the form was opened (at `sync_token`). Never
    overwrites a change made meanwhile in QuickBooks: that raises Conflict instead."""
    if customer.sync_token != sync_token:
        raise Conflict(customer)  # the mirror already holds a newer version
    before = current_details(customer)
    changed = {name for name in DETAIL_FIELDS if details.get(name, "") != before[name]}
    if not changed:
        return customer
    body = customer_body(details, only=changed)
    key = _payload_key(body)
    request_id = derived_request_id("customer-edit", customer.pk, sync_token, key)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#sparse-update-a-customer
        data = qb.update(
            "Customer",
            {**body, "Id": customer.qbo_id, "SyncToken": sync_token},
            request_id=request_id,
        )
    except StaleObject as exc:
        raise Conflict(_reread(qb, customer)) from exc
    except Unavailable as exc:
        if not exc.maybe_committed:
            raise NotConfirmed(exc.text) from exc
        customer = _reread(qb, customer)
        if customer.sync_token == sync_token:
            raise NotConfirmed(exc.text) from exc  # not applied: trying again is safe
        if {n: getattr(customer, n) for n in changed} != {n: details[n] for n in changed}:
            raise Conflict(customer) from exc
        return customer  # it was applied
    upsert_customers(customer.company_id, [data])
    customer.refresh_from_db()
    return customer
