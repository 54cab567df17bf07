"""The properties Intuit's v3 schema defines, per entity and per nested type, and the strict
request check QBO's JSON binding (Jackson, `com.intuit.schema.finance.v3.*`) applies: an
unknown property anywhere in the body is a 400 ValidationFault 2010 naming it.

Sources, merged (README "Strict requests"):
- the 2010 Fault Intuit returned for `{"BadJson": true}` on /invoice, which lists the
  Invoice class's known properties (minimul/qbo_api spec/vcr/error/400_json.yml, 2020);
- Intuit's API reference pages for each entity (developer.intuit.com/app/developer/qbo/docs/
  api/accounting/all-entities/<entity>), as mirrored in the reference notes;
- every attribute python-quickbooks 0.9.12's object classes can serialise
  (quickbooks/objects/*.py: it sends constructor defaults), checked by
  tests/test_strict.py::test_every_python_quickbooks_attribute_is_known;
- the properties the recorded responses carry (samples/), since clients send reads back.
"""

from __future__ import annotations

from typing import Any

from qbo_sandbox.books import errors

REF = "ReferenceType"
ADDR = "PhysicalAddress"
EMAIL = "EmailAddress"
PHONE = "TelephoneNumber"
WEB = "WebSiteAddress"
META = "ModificationMetaData"
CUSTOM = "CustomField"
LINKED = "LinkedTxn"
LINE = "Line"
MEMO = "MemoRef"

# Properties every entity has (IntuitEntity): read-only ones are accepted and ignored.
_COMMON: dict[str, str | None] = {
    "Id": None,
    "SyncToken": None,
    "MetaData": META,
    "CustomField": CUSTOM,
    "AttachableRef": "AttachableRef",
    "domain": None,
    "status": None,
    "sparse": None,
}

# Nested types: property -> nested type (None for a scalar). Lists hold the same type.
TYPES: dict[str, dict[str, str | None]] = {
    REF: {"value": None, "name": None, "type": None},
    MEMO: {"value": None, "id": None},
    ADDR: {
        "Id": None,
        "Line1": None,
        "Line2": None,
        "Line3": None,
        "Line4": None,
        "Line5": None,
        "City": None,
        "Country": None,
        "CountryCode": None,
        "County": None,
        "CountrySubDivisionCode": None,
        "PostalCode": None,
        "PostalCodeSuffix": None,
        "Lat": None,
        "Long": None,
        "Tag": None,
        "Note": None,
    },
    EMAIL: {"Address": None, "Default": None, "Tag": None},
    PHONE: {
        "FreeFormNumber": None,
        "CountryCode": None,
        "AreaCode": None,
        "ExchangeCode": None,
        "Extension": None,
        "DeviceType": None,
        "Default": None,
        "Tag": None,
    },
    WEB: {"URI": None, "Default": None, "Tag": None},
    META: {
        "CreateTime": None,
        "LastUpdatedTime": None,
        "CreatedByRef": REF,
        "LastModifiedByRef": REF,
        "LastChangedInQB": None,
        "Synchronized": None,
    },
    CUSTOM: {
        "DefinitionId": None,
        "Name": None,
        "Type": None,
        "StringValue": None,
        "BooleanValue": None,
        "DateValue": None,
        "NumberValue": None,
    },
    LINKED: {"TxnId": None, "TxnType": None, "TxnLineId": None},
    "NameValue": {"Name": None, "Value": None},
    "DeliveryInfo": {"DeliveryType": None, "DeliveryTime": None},
    "MarkupInfo": {
        "PercentBased": None,
        "Value": None,
        "Percent": None,
        "PriceLevelRef": REF,
        "MarkUpIncomeAccountRef": REF,
    },
    "TxnTaxDetail": {"TxnTaxCodeRef": REF, "TotalTax": None, "TaxLine": LINE},
    "AttachableRef": {
        "EntityRef": REF,
        "LineInfo": None,
        "IncludeOnSend": None,
        "Inactive": None,
        "NoRefOnly": None,
        "CustomField": CUSTOM,
    },
    "LineEx": {"any": None},
    "CreditCardPayment": {
        "CreditChargeInfo": None,
        "CreditChargeResponse": None,
    },
    "CheckPayment": {
        "CheckNum": None,
        "Status": None,
        "NameOnAcct": None,
        "AcctNum": None,
        "BankName": None,
    },
    "SalesItemLineDetail": {
        "ItemRef": REF,
        "ClassRef": REF,
        "UnitPrice": None,
        "RatePercent": None,
        "PriceLevelRef": REF,
        "MarkupInfo": "MarkupInfo",
        "Qty": None,
        "UOMRef": None,
        "ItemAccountRef": REF,
        "InventorySiteRef": REF,
        "TaxCodeRef": REF,
        "TaxClassificationRef": REF,
        "ServiceDate": None,
        "TaxInclusiveAmt": None,
        "DiscountRate": None,
        "DiscountAmt": None,
    },
    "GroupLineDetail": {"GroupItemRef": REF, "Quantity": None, "Line": LINE},
    "DescriptionLineDetail": {"ServiceDate": None, "TaxCodeRef": REF},
    "DiscountLineDetail": {
        "PercentBased": None,
        "DiscountPercent": None,
        "DiscountAccountRef": REF,
        "DiscountRef": REF,
        "Discount": None,
        "ClassRef": REF,
        "TaxCodeRef": REF,
    },
    "SubTotalLineDetail": {"ItemRef": REF},
    "TaxLineDetail": {
        "TaxRateRef": REF,
        "PercentBased": None,
        "TaxPercent": None,
        "NetAmountTaxable": None,
        "TaxInclusiveAmount": None,
        "OverrideDeltaAmount": None,
    },
    "AccountBasedExpenseLineDetail": {
        "AccountRef": REF,
        "CustomerRef": REF,
        "ClassRef": REF,
        "TaxCodeRef": REF,
        "BillableStatus": None,
        "MarkupInfo": "MarkupInfo",
        "TaxAmount": None,
        "TaxInclusiveAmt": None,
    },
    "ItemBasedExpenseLineDetail": {
        "ItemRef": REF,
        "CustomerRef": REF,
        "ClassRef": REF,
        "TaxCodeRef": REF,
        "PriceLevelRef": REF,
        "BillableStatus": None,
        "MarkupInfo": "MarkupInfo",
        "Qty": None,
        "UnitPrice": None,
        "TaxInclusiveAmt": None,
    },
}

# Line (com.intuit.schema.finance.v3.Line): one class for every DetailType.
TYPES[LINE] = {
    "Id": None,
    "LineNum": None,
    "Description": None,
    "Amount": None,
    "DetailType": None,
    "LinkedTxn": LINKED,
    "CustomField": CUSTOM,
    "CustomExtensions": None,
    "LineEx": "LineEx",
    "ProjectRef": REF,
    "Received": None,
    **{
        detail: detail
        for detail in (
            "SalesItemLineDetail",
            "GroupLineDetail",
            "DiscountLineDetail",
            "SubTotalLineDetail",
            "TaxLineDetail",
            "AccountBasedExpenseLineDetail",
            "ItemBasedExpenseLineDetail",
        )
    },
    "DescriptionLineDetail": "DescriptionLineDetail",
    "DescriptionOnly": "DescriptionLineDetail",
    # python-quickbooks' SubtotalLine spells its detail this way.
    "SubtotalLineDetail": "SubTotalLineDetail",
}

_SALES_FORM: dict[str, str | None] = {
    "DocNumber": None,
    "TxnDate": None,
    "DepartmentRef": REF,
    "CurrencyRef": REF,
    "ExchangeRate": None,
    "PrivateNote": None,
    "TxnStatus": None,
    "LinkedTxn": LINKED,
    "Line": LINE,
    "TxnTaxDetail": "TxnTaxDetail",
    "TxnSource": None,
    "TransactionLocationType": None,
    "TaxFormType": None,
    "TaxFormNum": None,
    "Tag": None,
    "TxnApprovalInfo": None,
    "RecurDataRef": REF,
    "RecurringInfo": None,
    "CustomerRef": REF,
    "CustomerMemo": MEMO,
    "BillAddr": ADDR,
    "ShipAddr": ADDR,
    "ShipFromAddr": ADDR,
    "FreeFormAddress": None,
    "RemitToRef": REF,
    "ClassRef": REF,
    "SalesTermRef": REF,
    "DueDate": None,
    "SalesRepRef": REF,
    "PONumber": None,
    "FOB": None,
    "ShipMethodRef": REF,
    "ShipDate": None,
    "TrackingNum": None,
    "GlobalTaxCalculation": None,
    "TotalAmt": None,
    "HomeTotalAmt": None,
    "ApplyTaxAfterDiscount": None,
    "TemplateRef": REF,
    "PrintStatus": None,
    "EmailStatus": None,
    "BillEmail": EMAIL,
    "BillEmailCc": EMAIL,
    "BillEmailBcc": EMAIL,
    "ARAccountRef": REF,
    "Balance": None,
    "HomeBalance": None,
    "FinanceCharge": None,
    "PaymentMethodRef": REF,
    "PaymentRefNum": None,
    "PaymentType": None,
    "DepositToAccountRef": REF,
    "DeliveryInfo": "DeliveryInfo",
    "DiscountRate": None,
    "DiscountAmt": None,
    "GovtTxnRefIdentifier": None,
    "TaxExemptionRef": REF,
    "ProjectRef": REF,
    "ECloudStatusTimeStamp": None,
    "EInvoiceStatus": None,
    "AutoDocNumber": None,
    "callToAction": None,
    "LessCIS": None,
    "invoiceStatusLog": None,
    "ConvenienceFeeDetail": None,
    "PaymentDetailsMessage": None,
}

_PURCHASE: dict[str, str | None] = {
    "DocNumber": None,
    "TxnDate": None,
    "DepartmentRef": REF,
    "CurrencyRef": REF,
    "ExchangeRate": None,
    "PrivateNote": None,
    "TxnStatus": None,
    "LinkedTxn": LINKED,
    "Line": LINE,
    "TxnTaxDetail": "TxnTaxDetail",
    "TxnSource": None,
    "TransactionLocationType": None,
    "GlobalTaxCalculation": None,
    "VendorRef": REF,
    "APAccountRef": REF,
    "TotalAmt": None,
    "HomeTotalAmt": None,
    "Balance": None,
    "HomeBalance": None,
    "VendorAddr": ADDR,
    "RecurDataRef": REF,
    "IncludeInAnnualTPAR": None,
    "TaxFormType": None,
    "TaxFormNum": None,
    "ProjectRef": REF,
}

_NAME_BASE: dict[str, str | None] = {
    "Title": None,
    "GivenName": None,
    "MiddleName": None,
    "FamilyName": None,
    "Suffix": None,
    "FullyQualifiedName": None,
    "CompanyName": None,
    "DisplayName": None,
    "PrintOnCheckName": None,
    "UserId": None,
    "Active": None,
    "V4IDPseudonym": None,
    "PrimaryPhone": PHONE,
    "AlternatePhone": PHONE,
    "Mobile": PHONE,
    "Fax": PHONE,
    "PrimaryEmailAddr": EMAIL,
    "WebAddr": WEB,
    "OtherContactInfo": None,
    "DefaultTaxCodeRef": REF,
    "Organization": None,
}

ENTITIES: dict[str, dict[str, str | None]] = {
    "Invoice": {
        **_SALES_FORM,
        "Deposit": None,
        "AllowIPNPayment": None,
        "AllowOnlinePayment": None,
        "AllowOnlineCreditCardPayment": None,
        "AllowOnlineACHPayment": None,
        "InvoiceLink": None,
        "InvoiceEx": None,
    },
    "Estimate": {
        **_SALES_FORM,
        "ExpirationDate": None,
        "AcceptedBy": None,
        "AcceptedDate": None,
    },
    "CreditMemo": {**_SALES_FORM, "RemainingCredit": None, "InvoiceRef": REF},
    # A sales receipt is paid at once: no DueDate or SalesTermRef (Intuit's SalesReceipt
    # reference page, as its 38 properties are mirrored by quickbooks-types' SalesReceipt).
    "SalesReceipt": {
        **{k: v for k, v in _SALES_FORM.items() if k not in ("DueDate", "SalesTermRef")},
        "CreditCardPayment": "CreditCardPayment",
        "CheckPayment": "CheckPayment",
    },
    "RefundReceipt": {
        **_SALES_FORM,
        "CreditCardPayment": "CreditCardPayment",
        "CheckPayment": "CheckPayment",
    },
    "Payment": {
        "TxnDate": None,
        "CurrencyRef": REF,
        "ExchangeRate": None,
        "PrivateNote": None,
        "TxnStatus": None,
        "TxnSource": None,
        "Line": LINE,
        "LinkedTxn": LINKED,
        "CustomerRef": REF,
        "ARAccountRef": REF,
        "DepositToAccountRef": REF,
        "PaymentMethodRef": REF,
        "PaymentRefNum": None,
        "CreditCardPayment": "CreditCardPayment",
        "TotalAmt": None,
        "UnappliedAmt": None,
        "ProcessPayment": None,
        "TaxExemptionRef": REF,
        "TransactionLocationType": None,
        "ProjectRef": REF,
        "DocNumber": None,
        "DepartmentRef": REF,
    },
    "Customer": {
        **_NAME_BASE,
        "Taxable": None,
        "BillAddr": ADDR,
        "ShipAddr": ADDR,
        "OtherAddr": ADDR,
        "Notes": None,
        "Job": None,
        "BillWithParent": None,
        "RootCustomerRef": REF,
        "ParentRef": REF,
        "Level": None,
        "CustomerTypeRef": REF,
        "SalesTermRef": REF,
        "SalesRepRef": REF,
        "PaymentMethodRef": REF,
        "CCDetail": None,
        "PriceLevelRef": REF,
        "Balance": None,
        "OpenBalanceDate": None,
        "BalanceWithJobs": None,
        "CreditLimit": None,
        "AcctNum": None,
        "CurrencyRef": REF,
        "OverDueBalance": None,
        "TotalRevenue": None,
        "TotalExpense": None,
        "PreferredDeliveryMethod": None,
        "ResaleNum": None,
        "JobInfo": None,
        "TaxExemptionReasonId": None,
        "PrimaryTaxIdentifier": None,
        "SecondaryTaxIdentifier": None,
        "BusinessNumber": None,
        "GSTIN": None,
        "GSTRegistrationType": None,
        "IsProject": None,
        "ClientEntityId": None,
        "ARAccountRef": REF,
        "TaxRegimeCode": None,
        "Source": None,
        "CompanyId": None,
    },
    "Vendor": {
        **_NAME_BASE,
        "BillAddr": ADDR,
        "OtherAddr": ADDR,
        "ContactName": None,
        "AltContactName": None,
        "Notes": None,
        "TaxCountry": None,
        "TaxIdentifier": None,
        "BusinessNumber": None,
        "ParentRef": REF,
        "VendorTypeRef": REF,
        "TermRef": REF,
        "PrefillAccountRef": REF,
        "Balance": None,
        "BillRate": None,
        "CostRate": None,
        "CreditLimit": None,
        "AcctNum": None,
        "Vendor1099": None,
        "T4AEligible": None,
        "T5018Eligible": None,
        "CurrencyRef": REF,
        "TaxReportingBasis": None,
        "APAccountRef": REF,
        "GSTIN": None,
        "GSTRegistrationType": None,
        "HasTPAR": None,
        "Source": None,
        "VendorPaymentBankDetail": None,
    },
    "Employee": {
        **_NAME_BASE,
        "PrimaryAddr": ADDR,
        "OtherAddr": ADDR,
        "EmailAddress": EMAIL,
        "EmployeeType": None,
        "EmployeeNumber": None,
        "SSN": None,
        "BillableTime": None,
        "BillRate": None,
        "CostRate": None,
        "BirthDate": None,
        "Gender": None,
        "HiredDate": None,
        "ReleasedDate": None,
        "UseTimeEntry": None,
    },
    "Item": {
        "Name": None,
        "Sku": None,
        "Description": None,
        "Active": None,
        "SubItem": None,
        "ParentRef": REF,
        "Level": None,
        "FullyQualifiedName": None,
        "Taxable": None,
        "SalesTaxIncluded": None,
        "PercentBased": None,
        "UnitPrice": None,
        "RatePercent": None,
        "Type": None,
        "PaymentMethodRef": REF,
        "UOMSetRef": REF,
        "IncomeAccountRef": REF,
        "PurchaseDesc": None,
        "PurchaseTaxIncluded": None,
        "PurchaseCost": None,
        "ExpenseAccountRef": REF,
        "COGSAccountRef": REF,
        "AssetAccountRef": REF,
        "PrefVendorRef": REF,
        "AvgCost": None,
        "TrackQtyOnHand": None,
        "QtyOnHand": None,
        "QtyOnPurchaseOrder": None,
        "QtyOnSalesOrder": None,
        "ReorderPoint": None,
        "ManPartNum": None,
        "DepositToAccountRef": REF,
        "SalesTaxCodeRef": REF,
        "PurchaseTaxCodeRef": REF,
        "InvStartDate": None,
        "BuildPoint": None,
        "PrintGroupedItems": None,
        "SpecialItem": None,
        "SpecialItemType": None,
        "ItemGroupDetail": None,
        "ItemAssemblyDetail": None,
        "AbatementRate": None,
        "ReverseChargeRate": None,
        "ServiceType": None,
        "ItemCategoryType": None,
        "ItemEx": None,
        "TaxClassificationRef": REF,
        "UQCDisplayText": None,
        "UQCId": None,
        "ClassRef": REF,
        "Source": None,
        "DeferredRevenue": None,
    },
    "Account": {
        "Name": None,
        "SubAccount": None,
        "ParentRef": REF,
        "Description": None,
        "FullyQualifiedName": None,
        "AccountAlias": None,
        "TxnLocationType": None,
        "Active": None,
        "Classification": None,
        "AccountType": None,
        "AccountSubType": None,
        "AcctNum": None,
        "BankNum": None,
        "OpeningBalance": None,
        "OpeningBalanceDate": None,
        "CurrentBalance": None,
        "CurrentBalanceWithSubAccounts": None,
        "CurrencyRef": REF,
        "TaxAccount": None,
        "TaxCodeRef": REF,
        "OnlineBankingEnabled": None,
        "FIName": None,
        "JournalCodeRef": REF,
        "AccountEx": None,
    },
    "Term": {
        "Name": None,
        "Active": None,
        "Type": None,
        "DiscountPercent": None,
        "DueDays": None,
        "DiscountDays": None,
        "DayOfMonthDue": None,
        "DueNextMonthDays": None,
        "DiscountDayOfMonth": None,
    },
    "PaymentMethod": {"Name": None, "Active": None, "Type": None},
    "TaxCode": {
        "Name": None,
        "Description": None,
        "Active": None,
        "Hidden": None,
        "Taxable": None,
        "TaxGroup": None,
        "SalesTaxRateList": None,
        "PurchaseTaxRateList": None,
        "AdjustmentTaxRateList": None,
        "TaxCodeConfigType": None,
    },
    "TaxRate": {
        "Name": None,
        "Description": None,
        "Active": None,
        "RateValue": None,
        "AgencyRef": REF,
        "TaxReturnLineRef": REF,
        "SpecialTaxType": None,
        "DisplayType": None,
        "EffectiveTaxRate": None,
    },
    # quickbooks-ruby company_currency.xml; python-quickbooks objects/companycurrency.py
    "CompanyCurrency": {"Name": None, "Code": None, "Active": None, "CustomField": CUSTOM},
    "Bill": {**_PURCHASE, "SalesTermRef": REF, "DueDate": None, "RemitToAddr": ADDR},
    # python-quickbooks' VendorCredit also carries FromAccountRef/ToAccountRef.
    "VendorCredit": {**_PURCHASE, "FromAccountRef": REF, "ToAccountRef": REF},
    "Attachable": {
        "FileName": None,
        "Note": None,
        "Category": None,
        "ContentType": None,
        "Size": None,
        "FileAccessUri": None,
        "TempDownloadUri": None,
        "ThumbnailFileAccessUri": None,
        "ThumbnailTempDownloadUri": None,
        "Lat": None,
        "Long": None,
        "PlaceName": None,
        "Tag": None,
        "AttachableRef": "AttachableRef",
    },
    "Class": {
        "Name": None,
        "SubClass": None,
        "ParentRef": REF,
        "FullyQualifiedName": None,
        "Active": None,
    },
    "Department": {
        "Name": None,
        "SubDepartment": None,
        "ParentRef": REF,
        "FullyQualifiedName": None,
        "Active": None,
    },
    "CompanyInfo": {
        "CompanyName": None,
        "LegalName": None,
        "CompanyAddr": ADDR,
        "CustomerCommunicationAddr": ADDR,
        "LegalAddr": ADDR,
        "CustomerCommunicationEmailAddr": EMAIL,
        "PrimaryPhone": PHONE,
        "CompanyStartDate": None,
        "EmployerId": None,
        "FiscalYearStartMonth": None,
        "Country": None,
        "Email": EMAIL,
        "WebAddr": WEB,
        "SupportedLanguages": None,
        "NameValue": "NameValue",
        "DefaultTimeZone": None,
    },
    "Preferences": {
        "AccountingInfoPrefs": None,
        "ProductAndServicesPrefs": None,
        "SalesFormsPrefs": None,
        "EmailMessagesPrefs": None,
        "VendorAndPurchasesPrefs": None,
        "TimeTrackingPrefs": None,
        "TaxPrefs": None,
        "FinanceChargesPrefs": None,
        "CurrencyPrefs": None,
        "ReportPrefs": None,
        "OtherPrefs": None,
    },
}


def known(entity: str) -> dict[str, str | None] | None:
    """An entity's top-level properties (with the common ones), or None if not modelled."""
    props = ENTITIES.get(entity)
    if props is None:
        return None
    return {**_COMMON, **props}


def _unrecognized(name: str, java_class: str, props: dict) -> errors.QBOError:
    """QBO's Jackson text, with the known-properties list truncated as QBO truncates it."""
    names = ", ".join(f'"{prop}"' for prop in list(props)[:60])
    more = " [truncated]" if len(props) > 60 else ""
    return errors.QBOError(
        "2010",
        "Request has invalid or unsupported property",
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.'
        f"{java_class}), not marked as ignorable ({len(props)} known properties: {names}"
        f"{more}])\n specified is unsupported or invalid",
        element=None,
    )


def _wrong_shape(name: str, expected: str) -> errors.QBOError:
    return errors.QBOError(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:Can not deserialize instance of com.intuit.schema.finance.v3."
        f"{expected} out of a scalar value for property {name}\n specified is unsupported "
        "or invalid",
        element=None,
    )


def check(entity: str, body: dict) -> None:
    """Refuse any property the entity's schema does not define (2010), at every level."""
    props = known(entity)
    if props is None:
        return
    _check_object(body, props, entity)


def _check_object(obj: dict, props: dict[str, str | None], java_class: str) -> None:
    for key, value in obj.items():
        if key not in props:
            raise _unrecognized(key, java_class, props)
        child = props[key]
        if child is None or value is None:
            continue
        child_props = TYPES.get(child)
        if child_props is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                _check_object(item, child_props, child)
            elif item not in ("", None):
                raise _wrong_shape(key, child)


def is_id(value: Any) -> bool:
    """QBO entity ids are decimal numbers (kept as strings)."""
    return isinstance(value, int | str) and str(value).strip().isdigit()
