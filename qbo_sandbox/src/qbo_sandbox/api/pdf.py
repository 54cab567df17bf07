"""A real (small) PDF for GET /invoice/{id}/pdf, written by hand: one page, Helvetica."""

from __future__ import annotations

from decimal import Decimal

PAGE_TOP = 780
LEADING = 16


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _amount(value: object) -> str:
    return f"{Decimal(str(value or 0)):,.2f}"


TITLES = {"Invoice": "INVOICE", "SalesReceipt": "SALES RECEIPT"}


def invoice_lines(
    company_name: str, invoice: dict, title: str = "Invoice"
) -> list[tuple[int, str]]:
    """(font size, text) rows of the printed invoice (or sales receipt)."""
    customer = (invoice.get("CustomerRef") or {}).get("name", "")
    rows = [
        (18, company_name),
        (14, f"{TITLES[title]} {invoice.get('DocNumber', invoice['Id'])}"),
        (11, f"Date: {invoice.get('TxnDate', '')}    Due: {invoice.get('DueDate', '')}"),
        (11, f"Bill to: {customer}"),
        (11, ""),
        (11, "Description / Qty x Rate = Amount"),
    ]
    for line in invoice.get("Line", []):
        detail = line.get("SalesItemLineDetail")
        if detail is None:
            continue
        item = (detail.get("ItemRef") or {}).get("name", "")
        text = f"{line.get('Description') or item}: {detail.get('Qty', '')} x "
        rows.append((11, f"{text}{detail.get('UnitPrice', '')} = {_amount(line.get('Amount'))}"))
    rows += [
        (11, ""),
        (12, f"Total: {_amount(invoice.get('TotalAmt'))}"),
        (12, f"Balance due: {_amount(invoice.get('Balance'))}"),
    ]
    if invoice.get("PrivateNote") == "Voided":
        rows.append((14, "VOIDED"))
    return rows


def render(rows: list[tuple[int, str]]) -> bytes:
    stream = ["BT", f"50 {PAGE_TOP} Td"]
    for size, text in rows:
        stream += [f"/F1 {size} Tf", f"({_escape(text)}) Tj", f"0 -{LEADING} Td"]
    stream.append("ET")
    content = "\n".join(stream).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def invoice_pdf(company_name: str, invoice: dict, title: str = "Invoice") -> bytes:
    return render(invoice_lines(company_name, invoice, title))
