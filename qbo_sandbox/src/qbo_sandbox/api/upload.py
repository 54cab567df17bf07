"""POST /v3/company/{realm}/upload: Intuit's multipart attachment upload.

Parts `file_metadata_NN` (application/json: the Attachable) and `file_content_NN` (the file,
with its Content-Type; `Content-Transfer-Encoding: base64` decoded). Each pair creates (or,
with an Id in the metadata, updates) one Attachable; the answer is
{"AttachableResponse": [{"Attachable": {...}} or {"Fault": {...}}, ...], "time": ...}.
Parsed here rather than by Werkzeug's form parser: python-quickbooks writes bare LF line
endings and base64 bodies, which Intuit accepts.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from qbo_sandbox.api.responses import json_body
from qbo_sandbox.books import errors, mutations, wire
from qbo_sandbox.books.store import Company

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_NAME = re.compile(r'name="([^"]+)"', re.I)


def parts(request: Request) -> dict[str, tuple[dict[str, str], bytes]]:
    """name -> (headers, body) for each part of a multipart/form-data body."""
    match = _BOUNDARY.search(request.headers.get("Content-Type", ""))
    if match is None or not request.mimetype.startswith("multipart/"):
        raise errors.invalid_property("upload needs a multipart/form-data body")
    found: dict[str, tuple[dict[str, str], bytes]] = {}
    for chunk in request.get_data().split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        pieces = re.split(rb"\r?\n\r?\n", chunk.lstrip(b"\r\n"), maxsplit=1)
        head, body = pieces[0], pieces[1] if len(pieces) > 1 else b""
        headers = {}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = _NAME.search(headers.get("content-disposition", ""))
        if name:
            found[name.group(1)] = (headers, body.rstrip(b"\r\n"))
    return found


def upload(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    received = parts(request)
    answers = []
    for name in sorted(received):
        if not name.startswith("file_metadata_"):
            continue
        suffix = name.removeprefix("file_metadata_")
        try:
            answers.append({"Attachable": _one(app, company, received, name, suffix)})
        except errors.QBOError as error:
            answers.append({"Fault": error.body("")["Fault"]})
    if not answers:
        raise errors.required_param("file_metadata_01")
    return json_body(app, {"AttachableResponse": answers})


def _one(app: SandboxApp, company: Company, received: dict, name: str, suffix: str) -> dict:
    text = received[name][1].decode("utf-8")
    metadata = wire.request_object(text) if text.strip() else {}
    content = received.get(f"file_content_{suffix}")
    extra: dict = {}
    if content is not None:
        headers, body = content
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            try:
                body = base64.b64decode(b"".join(body.split()), validate=True)
            except (binascii.Error, ValueError):
                raise errors.invalid_property("file_content is not valid base64") from None
        disposition = headers.get("content-disposition", "")
        filename = re.search(r'filename="([^"]+)"', disposition)
        extra = {
            "_content": base64.b64encode(body).decode("ascii"),
            "Size": len(body),
            "ContentType": metadata.get("ContentType") or headers.get("content-type"),
        }
        if not metadata.get("FileName"):
            if filename is None:
                raise errors.required_param("FileName")
            extra["FileName"] = filename.group(1)
    if metadata.get("Id"):
        return mutations.update(
            app.state, company, "Attachable", metadata, sparse=True, extra=extra
        )
    return mutations.create(app.state, company, "Attachable", metadata, extra=extra)
