"""Intuit's error bodies: service Faults, gateway faults, throttling, outages."""

from __future__ import annotations

from xml.sax.saxutils import escape

VALIDATION = "ValidationFault"
SYSTEM = "SystemFault"


class QBOError(Exception):
    """A service Fault: `{"Fault": {"Error": [...], "type": ...}, "time": ...}`."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        element: str | None = "",
        status: int = 400,
        fault_type: str = VALIDATION,
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element
        self.status = status
        self.fault_type = fault_type

    def body(self, time: str) -> dict:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not None:  # QBO leaves `element` out of some Faults (e.g. 2010)
            error["element"] = self.element
        return {"Fault": {"Error": [error], "type": self.fault_type}, "time": time}


def stale_object() -> QBOError:
    return QBOError(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and sandbox were working on this at the same time. "
        "sandbox finished before you did, so your work was not saved.",
    )


def duplicate_name(other_kind: str) -> QBOError:
    return QBOError(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {other_kind} is already using this name. "
        "Please use a different name.",
    )


def object_not_found(entity: str = "", ident: str = "") -> QBOError:
    detail = (
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees."
    )
    if entity:
        detail = f"{detail} ({entity} Id={ident})"
    return QBOError("610", "Object Not Found", detail)


def required_param(name: str) -> QBOError:
    return QBOError(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def amount_mismatch(supplied: object) -> QBOError:
    return QBOError(
        "6070",
        "Amount calculation incorrect in the request.",
        f"Amount is not equal to UnitPrice * Qty. Supplied value:{supplied}",
        element="Line.Amount",
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QBOError:
    return QBOError(
        "6140",
        "Duplicate Document Number Error",
        "You must specify a different number. This number has already been used. "
        f"DocNumber={doc_number} is assigned to TxnType={txn_type} with TxnId={txn_id}",
    )


def business_rule(detail: str) -> QBOError:
    return QBOError(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def invalid_reference(element: str) -> QBOError:
    """QBO's answer to a reference it cannot use here (QuickBooks-V3-PHP-SDK#102)."""
    return QBOError(
        "2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element=element
    )


def invalid_number(element: str, value: object) -> QBOError:
    return QBOError(
        "2080",
        "Illegal number format",
        f"{element} is not a valid number: {value}",
        element=element,
    )


def invalid_property(detail: str) -> QBOError:
    return QBOError(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:{detail}",
        element=None,
    )


def invalid_id(value: object, element: str | None = None) -> QBOError:
    """QBO's answer to an Id (or a reference's value) that is not a number."""
    return QBOError(
        "2030",
        "Invalid ID",
        f"Id should be a valid number. Supplied value:{value}",
        element=element,
    )


def empty_body() -> QBOError:
    return QBOError("2310", "Request Body is Empty", "Request Body is Empty", element=None)


def invalid_date(key: str, value: object) -> QBOError:
    return invalid_property(
        f"Can not construct instance of java.util.Date from String value '{value}': not a "
        f"valid representation for property {key}\n specified is unsupported or invalid"
    )


def length_exceeded(element: str, limit: int, supplied: int) -> QBOError:
    return QBOError(
        "2050",
        "Length exceeds limit",
        f"Length of the field exceeds {limit} chars. Supplied length:{supplied}",
        element=element,
    )


def unsupported_operation(detail: str) -> QBOError:
    return QBOError("500", "Unsupported Operation", detail)


def query_parse_error(detail: str) -> QBOError:
    return QBOError("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QBOError:
    return QBOError("4001", "Invalid query", f"QueryValidationError: {detail}")


def cdc_too_old(changed_since: str) -> QBOError:
    """QBO's own wording for a CDC look-back past 30 days (QuickBooksSharp#19); the code is
    the "Operation ... is not supported" family's, 500."""
    return unsupported_operation(
        f"Operation cdc with changedSince date {changed_since} which is older than fixed days "
        "is not supported."
    )


def request_id_too_long(request_id: str) -> QBOError:
    """As QBO words it when a batch requestid + bId passes 50 characters (Java SDK #180)."""
    return business_rule(
        "You cannot enter more than 50 characters in the request_id field. "
        f"You tried entering {request_id[:10]}..., which is {len(request_id)} characters."
    )


def system_fault() -> QBOError:
    return QBOError(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data.",
        status=500,
        fault_type=SYSTEM,
    )


def gateway_fault(
    status: int, code: str, name: str, detail: str | None, kind: str, now_ms: int
) -> dict:
    """The API gateway's lower-case body, sent for 401/403 before the service runs."""
    message = f"message={name}; errorCode={int(code):06d}; statusCode={status}"
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [{"message": message, "detail": detail, "code": code, "element": None}],
            "type": kind,
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": now_ms,
        "status": None,
        "cdcresponse": [],
    }


def authentication_failed(detail: str, now_ms: int) -> dict:
    return gateway_fault(401, "3200", "AuthenticationFailed", detail, "AUTHENTICATION", now_ms)


def authorization_failed(detail: str | None, now_ms: int) -> dict:
    return gateway_fault(403, "3100", "AuthorizationFailed", detail, "SERVICE", now_ms)


def throttle_xml(time: str) -> str:
    """QBO answers throttling in XML even to JSON clients (python-quickbooks#43)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{escape(time)}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        "      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
        "      <Detail>The request limit was reached.  Try again later</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )


SERVICE_UNAVAILABLE_HTML = (
    "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your "
    "request. Please try again later.</p></body></html>\n"
)
