"""Every form in the project: each field's maximum length is its column's, and bad input
(over-long, NUL bytes, non-ASCII, exponents, far-future dates) is a form error, never a 5xx
and never a partial save."""

import importlib
import pkgutil
import uuid

import pytest
from django import forms
from django.db import transaction

from accounts.inputs import SEARCH_MAX_LENGTH
from accounts.models import Company, Invitation, User
from customers.models import Customer
from customers.services import DETAIL_FIELDS as CUSTOMER_DETAILS
from invoicing.models import Order, OrderLine

PACKAGES = ["accounts", "customers", "invoicing", "catalog", "payments", "qbsync"]
SKIPPED_MODULES = ("migrations", "management", "wsgi", "asgi")

SHIP_TO = ["ship_line1", "ship_city", "ship_region", "ship_postal_code", "ship_country"]
# Fields of plain (non-model) forms, and the column each is stored in or looked up by.
COLUMNS = {
    ("EmailAuthenticationForm", "username"): (User, "email"),
    ("ResetPasswordForm", "email"): (User, "email"),
    ("SignUpForm", "full_name"): (User, "full_name"),
    ("SignUpForm", "email"): (User, "email"),
    ("SignUpForm", "company_name"): (Company, "name"),
    ("InvitationForm", "email"): (Invitation, "email"),
    ("AcceptInvitationForm", "full_name"): (User, "full_name"),
    ("CompanyForm", "name"): (Company, "name"),
    ("OrderForm", "new_customer_name"): (Order, "new_customer_name"),
    ("OrderForm", "new_customer_email"): (Order, "new_customer_email"),
    ("OrderForm", "memo"): (Order, "memo"),
    ("OrderEditForm", "memo"): (Order, "memo"),
    ("OrderEditForm", "ship_country"): (Order, "ship_country"),
    ("OrderEditForm", "ship_postal_code"): (Order, "ship_postal_code"),
    ("OrderEditForm", "ship_region"): (Order, "ship_region"),
    ("OrderEditForm", "ship_city"): (Order, "ship_city"),
    ("OrderEditForm", "ship_line1"): (Order, "ship_line1"),
    ("OrderForm", "currency"): (Order, "currency"),
    ("OrderLineForm", "description"): (OrderLine, "description"),
    **{("OrderForm", name): (Order, name) for name in SHIP_TO},
    ("OrderLineForm", "item"): (OrderLine, "qbo_item_id"),
    ("SendInvoiceForm", "email"): (Order, "bill_email"),
    **{
        (form, name): (Customer, name)
        for form in ("CustomerForm", "NewCustomerForm", "EditCustomerForm")
        for name in CUSTOMER_DETAILS
    },
    ("EditCustomerForm", "sync_token"): (Customer, "sync_token"),
}
# Kept in a write's intent (JSON) and sent to QuickBooks: QuickBooks' own limit applies.
QUICKBOOKS_LIMITS = {
    ("PaymentForm", "reference"): 21,  # Payment.PaymentRefNum
    ("CreditForm", "reason"): 4000,  # the credit memo line's Description
    ("OrderEditForm", "bill_email"): 100,  # QBO's BillEmail.Address limit
}
# Only ever hashed, never stored as typed.
PASSWORDS = {"password", "password1", "password2", "old_password", "new_password1", "new_password2"}
SEARCHES = {"q", "customer_search"}


def project_forms() -> list[type[forms.BaseForm]]:
    found = set()
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if any(part in info.name.split(".") for part in SKIPPED_MODULES):
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == info.name
                ):
                    found.add(value)
    return sorted(found, key=lambda form: form.__name__)


def column_of(form_class, name: str):
    meta = getattr(form_class, "_meta", None)
    if meta is not None and getattr(meta, "model", None) and name in (meta.fields or ()):
        return meta.model._meta.get_field(name)
    if (form_class.__name__, name) in COLUMNS:
        model, column = COLUMNS[(form_class.__name__, name)]
        return model._meta.get_field(column)
    return None


def test_every_text_field_is_as_long_as_its_column():
    checked = []
    for form_class in project_forms():
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.CharField) or isinstance(field, forms.UUIDField):
                continue
            where = f"{form_class.__name__}.{name}"
            column = column_of(form_class, name)
            if column is not None:
                assert field.max_length == column.max_length, where
                if isinstance(field, forms.EmailField):
                    assert field.max_length == 254, where
                checked.append(where)
            elif (form_class.__name__, name) in QUICKBOOKS_LIMITS:
                assert field.max_length == QUICKBOOKS_LIMITS[(form_class.__name__, name)], where
            elif name in SEARCHES:
                assert field.max_length == SEARCH_MAX_LENGTH, where
            else:
                assert name in PASSWORDS, f"{where}: which column does it go to?"
    assert {"InvitationForm.email", "OrderForm.new_customer_email", "SignUpForm.email"} <= set(
        checked
    )
    assert len(checked) >= 15


# --- The bad-input matrix ----------------------------------------------------------------

PASSWORD = "correct-horse-battery-9"
ANONYMOUS = ("/accounts/signup", "/accounts/login", "/accounts/password/reset", "/invitations")


def text(limit: int) -> list[str]:
    return ["x" * (limit + 1), "\u00e9" * (limit + 1), "a\x00b", "x" * 100_000]


EMAIL = [
    "a" * 243 + "@example.com",  # 255 characters
    "\u00e9" * 10 + "@example.com",
    "a\x00b@example.com",
    "a@" + "b" * 300 + ".com",
]
NUMBER = ["1e3", "1E+2", "1e999999", "sNaN", "NaN", "Infinity", "1_000", "\u0661\u0662"]
NUMBER += ["\uff11", "9" * 40, "1\x00", "0.001"]
DATE = ["0001-01-01", "9999-12-31", "99999-12-31", "2026-02-30", "\u0662\u0660\u0662\u0666-03-02"]
DATE += ["2026-03-02\x00", "1e3"]
ID = ["\u00b2", "\u0661", "9" * 20, "-1", "1\x00", "x" * 10_000]
UUID = ["\x00", "x" * 1000, "9" * 40]
SECRET = ["pw\x00" + PASSWORD, "x" * 100_000]


def signup_case():
    data = {
        "full_name": "Carol Danvers",
        "email": "carol@example.com",
        "company_name": "Carol's Cakes",
    }
    fields = {"full_name": text(150), "email": EMAIL, "company_name": text(200)}
    return "/accounts/signup/", data, fields


def order_case(product):
    data = {
        "form_token": "",
        "customer": "",
        "customer_search": "",
        "new_customer_name": "Initech",
        "new_customer_email": "ap@initech.test",
        "order_date": "2026-03-02",
        "due_date": "2026-04-01",
        "memo": "Thanks",
        "currency": "USD",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": str(product.pk),
        "lines-0-description": "Consulting",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "10.00",
        "lines-0-taxable": "on",
    }
    fields = {
        "form_token": UUID,
        "customer": ID,
        "customer_search": text(500),
        "new_customer_name": text(500),
        "new_customer_email": EMAIL,
        "order_date": DATE,
        "due_date": DATE,
        "memo": text(1000),
        "currency": ["US\x00", "\u00c9UR", "USDX", "12"],
        "lines-TOTAL_FORMS": ["9" * 20, "-1", "x" * 10_000, "1\x00"],
        "lines-0-product": ID,
        "lines-0-description": text(4000),
        "lines-0-quantity": NUMBER,
        "lines-0-unit_price": NUMBER,
    }
    return "/orders/new/", data, fields


def product_case():
    data = {"name": "Gadget", "sku": "G-1", "description": "", "unit_price": "5", "active": "on"}
    fields = {"name": text(100), "sku": text(100), "description": text(4000), "unit_price": NUMBER}
    return "/products/new/", data, fields


def simple_cases(invitation_link: str):
    from django.core import signing

    from accounts import signup

    carol = {"email": "carol@example.com", "full_name": "Carol", "company_name": "Cakes"}
    finish_link = f"/accounts/signup/{signing.dumps(carol, salt=signup.SALT)}/"
    return [
        (finish_link, {"password1": PASSWORD, "password2": PASSWORD}, {"password1": SECRET}),
        (
            "/accounts/login/",
            {"username": "alice@example.com", "password": "pw-alice-1"},
            {"username": EMAIL, "password": SECRET},
        ),
        ("/accounts/password/reset/", {"email": "alice@example.com"}, {"email": EMAIL}),
        (
            "/team/invite/",
            {"email": "dan@example.com", "role": "member"},
            {"email": EMAIL, "role": ["owner\x00", "x" * 1000, "\u00e9"]},
        ),
        ("/companies/new/", {"name": "Second Co"}, {"name": text(200)}),
        (
            "/accounts/password/change/",
            {
                "old_password": "pw-alice-1",
                "new_password1": PASSWORD,
                "new_password2": PASSWORD,
            },
            {"old_password": SECRET, "new_password1": SECRET},
        ),
        (
            invitation_link,
            {"full_name": "Dan", "password1": PASSWORD, "password2": PASSWORD},
            {"full_name": text(150), "password1": SECRET},
        ),
    ]


def snapshot() -> list:
    """Every row a form could write (not last_login: signing the test user in sets it)."""
    from accounts.models import Membership
    from invoicing.models import Product

    models = [User, Company, Membership, Invitation, Product, Order, OrderLine]
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    for row in rows[0]:
        row.pop("last_login")
    return rows


def form_errors(response) -> bool:
    """Whether the page shows at least one form error."""
    contexts = response.context or []
    contexts = contexts if isinstance(contexts, list) else [contexts]
    values = [value for context in contexts for value in context.flatten().values()]
    for value in values:
        if isinstance(value, forms.BaseForm) and value.errors:
            return True
        if isinstance(value, forms.BaseFormSet) and (value.non_form_errors() or any(value.errors)):
            return True
    return False


@pytest.mark.postgres
@pytest.mark.django_db
def test_bad_input_to_every_form_is_a_form_error_never_a_5xx(
    client, user, company, record_property
):
    from django.core import mail
    from django.core.cache import cache

    from accounts import invitations
    from invoicing.models import Product

    product = Product.objects.create(company=company, name="Widget", unit_price=1)
    invitations.create_invitation(
        company=company, email="dan@example.com", role="member", invited_by=user
    )
    _, token = invitations.create_invitation(
        company=company, email="dan2@example.com", role="member", invited_by=user
    )
    client.raise_request_exception = False
    cases = [
        signup_case(),
        order_case(product),
        product_case(),
        *simple_cases(f"/invitations/{token}/"),
    ]
    tried, server_errors, failures = 0, 0, []

    def post(path, data):
        cache.clear()  # the login and sign-up throttles are not under test here
        client.logout()
        if not path.startswith(ANONYMOUS):
            client.force_login(user)
        if "form_token" in data and not data["form_token"]:
            data["form_token"] = str(uuid.uuid4())  # a fresh new-order page
        return client.post(path, data)

    for path, valid, fields in cases:
        # The valid form is accepted (then rolled back): each bad value is the only fault.
        with transaction.atomic():
            accepted = post(path, dict(valid))
            assert accepted.status_code == 302 or not form_errors(accepted), path
            transaction.set_rollback(True)
        for name, values in fields.items():
            for value in values:
                before = snapshot()
                response = post(path, {**valid, name: value})
                tried += 1
                where = f"{path} {name}={value[:20]!r}"
                if response.status_code >= 500:
                    server_errors += 1
                    failures.append(f"{where}: {response.status_code}")
                elif snapshot() != before:
                    failures.append(f"{where}: saved")
                elif not form_errors(response):
                    failures.append(f"{where}: no form error ({response.status_code})")
                mail.outbox.clear()
    for path, params in [
        ("/orders/", {"q": "x" * 100_000, "push_status": "\x00"}),
        ("/products/", {"q": "a\x00b", "active": "\u00e9"}),
        ("/customers/", {"q": "\u00e9" * 501, "show": "9" * 20}),
        ("/orders/customers/", {"customer_search": "a\x00b"}),
        ("/items/search", {"q": "a\x00b", "format": "\u00e9"}),
        ("/products/import/", {"q": "x" * 100_000, "show": "\x00", "page": "9" * 40}),
        ("/orders/", {"page": "9" * 40}),
    ]:
        client.force_login(user)
        response = client.get(path, params)
        tried += 1
        if response.status_code >= 500:
            server_errors += 1
            failures.append(f"GET {path} {params}: {response.status_code}")
    print(f"\nbad-input matrix: {tried} bad inputs, {server_errors} 5xx")
    record_property("bad_inputs", tried)
    record_property("server_errors", server_errors)
    assert failures == []
