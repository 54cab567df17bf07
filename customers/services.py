"""Finding a QuickBooks customer, or creating it exactly once, and mirroring it here.

The rule (deterministic): a QBO customer with the email; else one with the DisplayName; else
a new customer. If QBO answers 6240 (the name is taken — by a customer created meanwhile, or
by a vendor or an employee, which share DisplayName's namespace), use the customer of that
name if there is one; otherwise the new customer is named "<name> (customer)", and if that is
taken by a non-customer too, QuickBooks' refusal says so.
"""

from customers.models import Customer
from customers.sync import upsert_customers
from qbo.client import QBOClient
from qbo.errors import Rejected
from qbo.idempotency import derived_request_id

DUPLICATE_NAME = "6240"


def find_customer(qb: QBOClient, *, email: str, name: str) -> dict | None:
    """A QBO customer with this email, else with this DisplayName."""
    if email and (found := qb.find("Customer", {"PrimaryEmailAddr": email})):
        return found
    if name and (found := qb.find("Customer", {"DisplayName": name})):
        return found
    return None


def create_customer(qb: QBOClient, *, name: str, email: str, request_id: str) -> dict:
    """A new QBO customer, or the one of that name if QBO says it exists. `request_id` names
    the write it serves; each candidate name gets its own id derived from it."""
    for candidate in (name, f"{name} (customer)"):
        body: dict = {"DisplayName": candidate}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
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
    qb: QBOClient, company_id: int, *, name: str, email: str, request_id: str
) -> Customer:
    """The mirrored customer for a name and email, found in QBO or created there once."""
    data = find_customer(qb, email=email, name=name) or create_customer(
        qb, name=name, email=email, request_id=request_id
    )
    upsert_customers(company_id, [data])
    return Customer.objects.get(company_id=company_id, qbo_id=str(data["Id"]))
