"""Items in the local sandbox for the catalog tests: made through the sandbox's own rules
(qbo_sandbox.books.mutations, what its control API's seeding uses), in one commit."""

from qbo_sandbox.books import mutations

from catalog.models import Item


def income_account(server, realm: str) -> dict:
    accounts = server.state.companies[realm].rows("Account")
    income = next(a for a in accounts if a.get("AccountType") == "Income")
    return {"value": income["Id"], "name": income["Name"]}


def generated_item(number: int, income: dict) -> dict:
    """The n-th generated item: deterministic, unique by its number, a mix of types."""
    item = {
        "Name": f"Generated Item {number:06d}",
        "Sku": f"GEN-{number:06d}",
        "Type": "NonInventory" if number % 3 else "Service",
        "UnitPrice": f"{number % 500}.{number % 100:02d}",
        "Description": f"Generated item number {number}",
        "IncomeAccountRef": income,
        "Taxable": bool(number % 2),
    }
    if number % 7 == 0:
        item["Active"] = False
    return item


def seed_items(server, realm: str, count: int, *, start: int = 1) -> list[str]:
    """`count` generated items in the sandbox company; their QBO ids."""
    company = server.state.companies[realm]
    income = income_account(server, realm)
    payloads = [generated_item(n, income) for n in range(start, start + count)]
    return mutations.create_many(server.state, company, "Item", payloads, source="control")


def sandbox_item(server, realm: str, qbo_id: str) -> dict:
    return server.state.companies[realm].get("Item", qbo_id)


def make_item(company, qbo_id: str, name: str, **fields):
    """A mirrored item row, as the sync would have written it."""
    fields.setdefault("fully_qualified_name", name)
    return Item.objects.create(company=company, qbo_id=qbo_id, name=name, **fields)
