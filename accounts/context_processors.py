from django.core.exceptions import ObjectDoesNotExist


def current_company(request) -> dict:
    """The company the user works in, their role there, and its QuickBooks connection."""
    company = getattr(request, "company", None)
    connection = None
    if company is not None:
        try:
            connection = company.quickbooks_connection
        except ObjectDoesNotExist:
            connection = None
    return {
        "company": company,
        "membership": getattr(request, "membership", None),
        "qbo_connection": connection,
    }
