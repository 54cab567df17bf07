"""Deterministic seed data: a new company looks like Intuit's sample company, and the
control API can add any number of generated customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from qbo_sandbox.books import errors, mutations
from qbo_sandbox.books.clock import company_date, meta_time
from qbo_sandbox.books.features import apply_features, preferences_patch
from qbo_sandbox.books.seed_data import (
    ACCOUNTS,
    CITIES,
    CUSTOMERS,
    EMPLOYEES,
    FIRST_NAMES,
    INVOICES,
    ITEMS,
    LAST_NAMES,
    PAYMENT_METHODS,
    PAYMENTS,
    TERMS,
    VENDORS,
)
from qbo_sandbox.books.store import Company, SandboxState, fold
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.currency import HOME_BY_COUNTRY
from qbo_sandbox.entities.tax import standard_code, tax_code_rows

SOURCE = "seed"


def create_company(
    state: SandboxState,
    name: str | None = None,
    *,
    country: str = "US",
    custom_txn_numbers: bool = False,
    seed: bool = True,
    features: dict | None = None,
) -> Company:
    """A new company of `country` (US, CA, GB, AU, ...; its tax model and home currency
    follow), seeded like Intuit's sample company unless `seed` is false; `features` as for
    books.features.apply_features (checked before anything is created)."""
    if features:
        preferences_patch(_preferences(custom_txn_numbers, country), features)
    company = state.add_company(name or f"Sandbox Company_{country}_{state.realm_counter + 1}")
    mutations.insert_fixed(
        state, company, "CompanyInfo", _company_info(company, country), ident="1"
    )
    mutations.insert_fixed(
        state, company, "Preferences", _preferences(custom_txn_numbers, country), ident="1"
    )
    rates, codes = tax_code_rows(country)
    for entity, rows in (("TaxRate", rates), ("TaxCode", codes)):
        for row in rows:
            body = {k: v for k, v in row.items() if k != "Id"}
            mutations.insert_fixed(state, company, entity, body, ident=row["Id"])
    # Every QBO company has the standard terms (its Preferences' DefaultTerms is Net 30, Id 3):
    # an invoice's due date follows them even in a company with nothing else in it.
    for term, days in TERMS:
        mutations.create(state, company, "Term", {"Name": term, "DueDays": days}, source=SOURCE)
    if features:
        apply_features(state, company, features, source=SOURCE)
    if seed:
        seed_sample_data(state, company)
    return company


def _company_info(company: Company, country: str) -> dict:
    address = {
        "Id": "1",
        "Line1": "123 Sierra Way",
        "Line2": "Suite 100",
        "Country": "USA",
        "City": "San Pablo",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "87999",
        "Lat": "36.6788345",
        "Long": "-116.0133469",
    }
    flags = [
        ("NeoEnabled", "true"),
        ("IndustryType", "Landscaping Services"),
        ("CompanyType", "Other/None"),
        ("SubscriptionStatus", "SUBSCRIBED"),
        ("OfferingSku", "QuickBooks Online Plus"),
        ("PayrollFeature", "false"),
        ("AccountantFeature", "false"),
        ("IsQbdtMigrated", "false"),
    ]
    return {
        "CompanyName": company.name,
        "LegalName": company.name,
        "CompanyAddr": address,
        "CustomerCommunicationAddr": address,
        "LegalAddr": address,
        "PrimaryPhone": {"FreeFormNumber": "(650) 944-4444"},
        "CompanyStartDate": meta_time(company.created)[:10],
        "FiscalYearStartMonth": "January",
        "Country": country,
        "Email": {"Address": "noreply@quickbooks.com"},
        "WebAddr": {"URI": "http://www.example.com"},
        "SupportedLanguages": "en",
        "NameValue": [{"Name": key, "Value": value} for key, value in flags],
    }


def _preferences(custom_txn_numbers: bool, country: str = "US") -> dict:
    """Every section and field of a real sandbox company's Preferences (quickbooks-ruby
    spec/fixtures/preferences.xml, Intuit's sandbox 2019, in JSON form), with the values the
    sandbox's rules use (tax on, DefaultTerms Net 30, discounts and deposits allowed)."""
    message = "Thank you for your business and have a great day!"

    def email(subject: str, body: str) -> dict:
        return {"Subject": f"{subject} from Sandbox Company", "Message": body}

    def flags(prefix: str, names: list[tuple[str, bool]]) -> list[dict]:
        return [
            {"Name": f"{prefix}{n}", "Type": "BooleanType", "BooleanValue": v} for n, v in names
        ]

    other = [
        ("SalesFormsPrefs.DefaultCustomerMessage", message),
        ("SalesFormsPrefs.DefaultItem", "1"),
        ("DTXCopyMemo", "false"),
        ("UncategorizedAssetAccountId", "7"),
        ("UncategorizedIncomeAccountId", "1"),
        ("UncategorizedExpenseAccountId", "17"),
        ("SFCEnabled", "true"),
        ("DataPartner", "false"),
        ("Vendor1099Enabled", "true"),
        ("TimeTrackingFeatureEnabled", "true"),
        ("FDPEnabled", "false"),
        ("ProjectsEnabled", "false"),
        ("DateFormat", "Month Date Year separated by a slash"),
        ("DateFormatMnemonic", "MMDDYYYY_SEP_SLASH"),
        ("NumberFormat", "US Number Format"),
        ("NumberFormatMnemonic", "US_NB"),
        ("WarnDuplicateCheckNumber", "true"),
        ("WarnDuplicateBillNumber", "false"),
        ("WarnDuplicateJournalNumber", "false"),
        ("SignoutInactiveMinutes", "60"),
        ("AccountingInfoPrefs.ShowAccountNumbers", "false"),
        ("WorkWeekStartDate", "Monday"),
    ]
    return {
        "AccountingInfoPrefs": {
            "UseAccountNumbers": False,
            "TrackDepartments": False,
            "ClassTrackingPerTxn": False,
            "ClassTrackingPerTxnLine": False,
            "FirstMonthOfFiscalYear": "January",
            "TaxYearMonth": "January",
            "TaxForm": "6",
            "CustomerTerminology": "Customers",
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": True,
        },
        "SalesFormsPrefs": {
            "CustomField": [
                {
                    "CustomField": flags(
                        "SalesFormsPrefs.UseSalesCustom",
                        [("1", False), ("2", False), ("3", False)],
                    )
                },
                {
                    "CustomField": [
                        {
                            "Name": "SalesFormsPrefs.SalesCustomName1",
                            "Type": "StringType",
                            "StringValue": "Crew #",
                        }
                    ]
                },
            ],
            "CustomTxnNumbers": custom_txn_numbers,
            "EmailCopyToCompany": False,
            "AllowDeposit": True,
            "AllowDiscount": True,
            "AllowEstimates": True,
            "ETransactionEnabledStatus": "Enabled",
            "ETransactionAttachPDF": False,
            "ETransactionPaymentEnabled": False,
            "IPNSupportEnabled": False,
            "AllowServiceDate": False,
            "AllowShipping": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "UsingPriceLevels": False,
            "DefaultTerms": {"value": "3"},
            "DefaultCustomerMessage": message,
        },
        "EmailMessagesPrefs": {
            "InvoiceMessage": email(
                "Invoice",
                "Here's your invoice! We appreciate your prompt payment.\n\n"
                "Thanks for your business!\nSandbox Company",
            ),
            "EstimateMessage": email(
                "Estimate",
                "Please review the estimate below.  Feel free to contact us if you have any "
                "questions.\nWe look forward to working with you.\n\nThanks for your business!"
                "\nSandbox Company",
            ),
            "SalesReceiptMessage": email(
                "Sales Receipt",
                "Your sales receipt is attached.\nThank you for your business - we appreciate "
                "it very much.\n\nThanks for your business!\nSandbox Company",
            ),
            "StatementMessage": email(
                "Statement",
                "Your statement is attached.  Please remit payment at your earliest "
                "convenience.\nThank you for your business - we appreciate it very much.\n\n"
                "Thanks for your business!\nSandbox Company",
            ),
        },
        "VendorAndPurchasesPrefs": {
            "TrackingByCustomer": True,
            "BillableExpenseTracking": True,
            "POCustomField": [
                {
                    "CustomField": flags(
                        "PurchasePrefs.UsePurchaseCustom",
                        [("3", False), ("2", False), ("1", False)],
                    )
                }
            ],
        },
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": True,
        },
        # Automated sales tax is a US engine; other countries use per-line tax codes.
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": country == "US"},
        "CurrencyPrefs": {
            "MultiCurrencyEnabled": False,
            "HomeCurrency": {"value": HOME_BY_COUNTRY.get(country, "USD")},
        },
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {"NameValue": [{"Name": n, "Value": v} for n, v in other]},
    }


def seed_sample_data(state: SandboxState, company: Company) -> None:
    """Accounts, lists, names, then invoices and payments, all through the mutation path."""
    seeder = _Seeder(state, company)
    seeder.lists()
    seeder.names()
    seeder.transactions()


class _Seeder:
    """Creates the sample objects and remembers their Ids by name for later references."""

    def __init__(self, state: SandboxState, company: Company) -> None:
        self.state = state
        self.company = company
        self.ids: dict[tuple[str, str], str] = {}

    def add(self, entity: str, key: str, payload: dict) -> str:
        created = mutations.create(self.state, self.company, entity, payload, source=SOURCE)
        self.ids[(entity, key)] = created["Id"]
        return created["Id"]

    def ref(self, entity: str, key: str) -> dict:
        return {"value": self.ids[(entity, key)]}

    def lists(self) -> None:
        for name, account_type, subtype in ACCOUNTS:
            account = {"Name": name, "AccountType": account_type, "AccountSubType": subtype}
            self.add("Account", name, account)
        for term in self.company.rows("Term"):  # (every company has them: create_company)
            self.ids[("Term", term["Name"])] = term["Id"]
        for name, kind in PAYMENT_METHODS:
            self.add("PaymentMethod", name, {"Name": name, "Type": kind})
        for row in ITEMS:
            self.add("Item", row[0], self.item(*row))

    def item(
        self, name: str, kind: str, price: str, income: str, description: str, qty: str | None
    ) -> dict:
        item = {
            "Name": name,
            "Type": kind,
            "UnitPrice": price,
            "Description": description,
            "IncomeAccountRef": self.ref("Account", income),
            "Taxable": kind == "Inventory",
        }
        if qty is not None:
            item.update(
                QtyOnHand=qty,
                AssetAccountRef=self.ref("Account", "Inventory Asset"),
                ExpenseAccountRef=self.ref("Account", "Cost of Goods Sold"),
            )
        return item

    def names(self) -> None:
        for row in CUSTOMERS:
            self.add("Customer", row[0], self.customer(*row))
        for name in VENDORS:
            self.add("Vendor", name, {"DisplayName": name, "CompanyName": name})
        for given, family in EMPLOYEES:
            self.add("Employee", given, {"GivenName": given, "FamilyName": family})

    def customer(
        self,
        display: str,
        given: str,
        family: str,
        company_name: str,
        email: str,
        phone: str,
        street: str,
        city: str,
        postal: str,
        parent: str | None,
    ) -> dict:
        customer = {
            "DisplayName": display,
            "GivenName": given,
            "FamilyName": family,
            "CompanyName": company_name,
            "PrimaryPhone": {"FreeFormNumber": phone},
            "Taxable": True,
            "DefaultTaxCodeRef": {"value": "2"},
        }
        if email:
            customer["PrimaryEmailAddr"] = {"Address": email}
        if street:
            address = {
                "Line1": street,
                "City": city,
                "CountrySubDivisionCode": "CA",
                "PostalCode": postal,
                # Intuit's sample company's geocoder result (nango_customer_query.json, Id 1)
                "Lat": "INVALID",
                "Long": "INVALID",
            }
            customer.update(BillAddr=address, ShipAddr=dict(address))
        if parent:
            customer.update(ParentRef=self.ref("Customer", parent), BillWithParent=True)
        return customer

    def transactions(self) -> None:
        today = company_date(self.state.clock.now())
        invoice_ids = []
        for customer, lines, days_ago, term in INVOICES:
            invoice = {
                "CustomerRef": self.ref("Customer", customer),
                "Line": [self.sales_line(*line) for line in lines],
                "TxnDate": (today - timedelta(days=days_ago)).isoformat(),
                "SalesTermRef": self.ref("Term", term),
            }
            invoice_ids.append(self.add("Invoice", f"{customer}:{days_ago}", invoice))
        for customer, total, applied, method in PAYMENTS:
            lines = [
                {
                    "Amount": amount,
                    "LinkedTxn": [{"TxnId": invoice_ids[index], "TxnType": "Invoice"}],
                }
                for index, amount in applied
            ]
            payment = {
                "CustomerRef": self.ref("Customer", customer),
                "TotalAmt": total,
                "PaymentMethodRef": self.ref("PaymentMethod", method),
                "Line": lines,
            }
            self.add("Payment", f"{customer}:{total}", payment)

    def sales_line(self, item: str, qty: str, price: str) -> dict:
        amount = money(Decimal(qty) * Decimal(price))
        detail = {"ItemRef": self.ref("Item", item), "Qty": qty, "UnitPrice": price}
        country = (self.company.get("CompanyInfo", "1") or {}).get("Country", "US")
        code = standard_code(country)
        if code is not None:  # outside the US every line needs a real tax code
            detail["TaxCodeRef"] = {"value": code}
        return {
            "DetailType": "SalesItemLineDetail",
            "Amount": str(amount),
            "SalesItemLineDetail": detail,
        }


def generated_customer(number: int) -> dict:
    """The n-th generated customer: deterministic, realistic and unique by its number."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    city, postal = CITIES[number % len(CITIES)]
    return {
        "DisplayName": f"{first} {last} {number:06d}",
        "GivenName": first,
        "FamilyName": last,
        "PrimaryEmailAddr": {"Address": f"{first}.{last}.{number}@example.com".lower()},
        "PrimaryPhone": {"FreeFormNumber": f"(650) 555-{number % 10000:04d}"},
        "BillAddr": {
            "Line1": f"{100 + number % 900} Main St.",
            "City": city,
            "CountrySubDivisionCode": "CA",
            "PostalCode": postal,
        },
    }


def seed_customers(
    state: SandboxState, company: Company, count: int, *, source: str = "control"
) -> list[str]:
    """Add `count` generated customers in batches (one lock hold and commit per batch)."""
    ids: list[str] = []
    number = company.counters["Customer"]
    while len(ids) < count:
        batch = []
        while len(batch) < min(5000, count - len(ids)):
            number += 1
            payload = generated_customer(number)
            if fold(payload["DisplayName"]) not in company.names["names"]:
                batch.append(payload)
        ids.extend(mutations.create_many(state, company, "Customer", batch, source=source))
    return ids


# Not the names of seeded items ("Lighting" is a service in the sample company).
ITEM_CATEGORIES = ("Hardware", "Garden", "Lamps", "Water Features", "Labour")
ITEM_WORDS = ("Bolt", "Hose", "Lamp", "Nozzle", "Planter", "Valve", "Pump", "Bracket", "Panel")
ITEM_ACCOUNTS = (
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
)


def _account_refs(state: SandboxState, company: Company, source: str) -> list[dict]:
    """The income, asset and COGS accounts generated items use, created when missing."""
    refs = []
    for name, account_type, subtype in ITEM_ACCOUNTS:
        owner = company.names["Account"].get(fold(name))
        if owner is None:
            account = {"Name": name, "AccountType": account_type, "AccountSubType": subtype}
            ident = mutations.create(state, company, "Account", account, source=source)["Id"]
        else:
            ident = owner[1]
        refs.append({"value": ident})
    return refs


def _category_ids(state: SandboxState, company: Company, source: str) -> list[str]:
    """Top-level categories, each with one sub-category ("Garden:Garden Supplies"); a name
    already used by another kind of item makes the seeding fail (6000, parent not a category)."""
    ids = []
    for name in ITEM_CATEGORIES:
        owner = company.names["Item"].get(fold(name))
        if owner is None:
            payload = {"Name": name, "Type": "Category"}
            owner = ("Item", mutations.create(state, company, "Item", payload, source=source)["Id"])
        ids.append(owner[1])
        child = f"{name} Supplies"
        sub = company.names["Item"].get(fold(child))
        if sub is None:
            payload = {"Name": child, "Type": "Category", "ParentRef": {"value": owner[1]}}
            sub = ("Item", mutations.create(state, company, "Item", payload, source=source)["Id"])
        ids.append(sub[1])
    return ids


def generated_item(number: int, accounts: list[dict], categories: list[str]) -> dict:
    """The n-th generated item: 3 in 5 Service, 1 in 5 NonInventory, 1 in 5 Inventory (with
    stock), 1 in 3 inside a category; deterministic, named and SKU'd by its number."""
    income, asset, cogs = accounts
    word = ITEM_WORDS[number % len(ITEM_WORDS)]
    kind = ("Service", "Service", "NonInventory", "Service", "Inventory")[number % 5]
    item = {
        "Name": f"{word} {number:06d}",
        "Sku": f"SKU-{number:06d}",
        "Type": kind,
        "Description": f"Generated {kind.lower()} item {number}",
        "UnitPrice": str(Decimal(number % 500) + Decimal("0.99")),
        "PurchaseCost": str(Decimal(number % 300) + Decimal("0.50")),
        "Taxable": kind != "Service",
        "IncomeAccountRef": dict(income),
    }
    if kind == "Inventory":
        item.update(
            QtyOnHand=str(number % 200),
            AssetAccountRef=dict(asset),
            ExpenseAccountRef=dict(cogs),
            InvStartDate="2024-01-01",
        )
    if categories and number % 3 == 0:
        item["ParentRef"] = {"value": categories[number % len(categories)]}
    return item


def seed_items(
    state: SandboxState,
    company: Company,
    count: int,
    *,
    inactive_every: int = 0,
    source: str = "control",
) -> list[str]:
    """Add `count` generated items (and the categories they sit in) in batches of 5,000;
    every `inactive_every`-th one is created inactive (0: none)."""
    accounts = _account_refs(state, company, source)
    categories = _category_ids(state, company, source) if count else []
    ids: list[str] = []
    number = company.counters["Item"]
    while len(ids) < count:
        batch = []
        while len(batch) < min(5000, count - len(ids)):
            number += 1
            payload = generated_item(number, accounts, categories)
            if inactive_every and number % inactive_every == 0:
                payload["Active"] = False
            if fold(payload["Name"]) not in company.names["Item"]:
                batch.append(payload)
        ids.extend(mutations.create_many(state, company, "Item", batch, source=source))
    return ids


UNCHECKED_NUMBERS = frozenset({"allowduplicatedocnum"})  # (numbered in order: none repeats)


def seed_payments(
    state: SandboxState, company: Company, count: int, *, source: str = "control"
) -> list[str]:
    """Add `count` generated invoices, each with a payment (in batches of 5,000): two in
    three paid in full, the rest in part; customers in turn from the company's own (one is
    generated when it has none). Returns the payments' Ids."""
    customers = [row["Id"] for row in company.rows("Customer") if row.get("Active", True)]
    if not customers:
        customers = seed_customers(state, company, 1, source=source)
    item = next((row for row in company.rows("Item") if row.get("Type") == "Service"), None)
    item_id = item["Id"] if item else seed_items(state, company, 1, source=source)[0]
    country = (company.get("CompanyInfo", "1") or {}).get("Country", "US")
    code = standard_code(country)
    # Numbered after the company's last invoice, given (one scan here, not one an invoice).
    numbers = [
        int(n) for inv in company.rows("Invoice") if (n := inv.get("DocNumber", "")).isdigit()
    ]
    doc_number = max(numbers, default=1000)
    ids: list[str] = []
    number = company.counters["Payment"]
    while len(ids) < count:
        invoices, paid_in_full = [], []
        for _ in range(min(5000, count - len(ids))):
            number += 1
            price = Decimal(10 + number % 490) + Decimal(number % 100) / 100
            detail = {"ItemRef": {"value": item_id}, "Qty": 1, "UnitPrice": str(price)}
            if code is not None:  # outside the US every line needs a real tax code
                detail["TaxCodeRef"] = {"value": code}
            customer = {"value": customers[number % len(customers)]}
            line = {"DetailType": "SalesItemLineDetail", "Amount": str(price)}
            doc_number += 1
            invoices.append(
                {
                    "CustomerRef": customer,
                    "DocNumber": str(doc_number),
                    "Line": [line | {"SalesItemLineDetail": detail}],
                }
            )
            paid_in_full.append(bool(number % 3))  # else in half
        invoice_ids = mutations.create_many(
            state, company, "Invoice", invoices, source=source, options=UNCHECKED_NUMBERS
        )
        payments = []
        for invoice, txn, whole in zip(invoices, invoice_ids, paid_in_full, strict=True):
            # The invoice's own total (with tax, where its line is taxed), or half of it.
            total = company.get("Invoice", txn)["TotalAmt"]
            amount = total if whole else money(total / 2)
            link = {"TxnId": txn, "TxnType": "Invoice"}
            payments.append(
                {
                    "CustomerRef": invoice["CustomerRef"],
                    "TotalAmt": str(amount),
                    "Line": [{"Amount": str(amount), "LinkedTxn": [link]}],
                }
            )
        ids.extend(mutations.create_many(state, company, "Payment", payments, source=source))
    return ids


def seed_bundle(
    state: SandboxState,
    company: Company,
    name: str,
    components: list[dict],
    *,
    description: str = "",
    sku: str = "",
) -> dict:
    """A Group item (a bundle): QBO sells them but its API can't create them ("Creating them
    via the QuickBooks Online API is not supported"), so they are made here. `components`:
    [{"item": id, "qty": n}] of active items that are neither bundles nor categories."""
    name = str(name or "").strip()
    if not name:
        raise errors.required_param("Name")
    if company.names["Item"].get(fold(name)):
        raise errors.duplicate_name("product or service")
    if not components:
        raise errors.required_param("ItemGroupDetail.ItemGroupLine")
    lines = []
    for part in components:
        item = company.get("Item", str(part.get("item", "")))
        if item is None or item.get("Active") is False:
            raise errors.object_not_found("Item", str(part.get("item", "")))
        if item.get("Type") in ("Group", "Category"):
            raise errors.business_rule("Bundles cannot contain bundles or categories.")
        try:
            qty = Decimal(str(part.get("qty", 1)))
        except ArithmeticError:  # (decimal.InvalidOperation: not a number)
            raise errors.invalid_number("ItemGroupLine.Qty", part.get("qty")) from None
        if not qty.is_finite() or qty <= 0:
            raise errors.business_rule("A bundle's quantities must be more than zero.")
        lines.append({"ItemRef": {"value": item["Id"], "name": item["Name"]}, "Qty": qty})
    bundle = {
        "Name": name,
        "FullyQualifiedName": name,
        "Type": "Group",
        "Active": True,
        "Taxable": False,
        "PrintGroupedItems": False,
        "ItemGroupDetail": {"ItemGroupLine": lines},
        "domain": "QBO",
        "sparse": False,
    }
    if description:
        bundle["Description"] = description
    if sku:
        bundle["Sku"] = sku
    return mutations.insert_fixed(state, company, "Item", bundle, source="control")
