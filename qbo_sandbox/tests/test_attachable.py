"""Attachable through python-quickbooks: multipart upload linked to an invoice, notes,
reads, queries by the linked entity, CDC; links to unknown objects are 610."""

from __future__ import annotations

import json

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects import Attachable
from quickbooks.objects.attachable import AttachableRef
from quickbooks.objects.base import Ref

from sandbox_support import unpaced
from test_transactions import _customer, _invoice, _line


@pytest.fixture(autouse=True)
def _quick(sandbox):
    unpaced(sandbox)


def _link(entity: str, ident: str) -> AttachableRef:
    ref = AttachableRef()
    ref.EntityRef = Ref()
    ref.EntityRef.type, ref.EntityRef.value = entity, ident
    return ref


def test_a_file_uploaded_and_linked_to_an_invoice(qb, api, sandbox, realm):
    invoice = _invoice(qb, _customer(qb, "Attached"), _line(qb, 10))
    attachment = Attachable()
    attachment.FileName = "receipt.pdf"
    attachment.ContentType = "application/pdf"
    attachment._FileBytes = b"%PDF-1.4 receipt"
    attachment.AttachableRef = [_link("Invoice", invoice.Id)]
    saved = attachment.save(qb=qb)
    assert (saved.FileName, saved.ContentType, saved.Size) == ("receipt.pdf", "application/pdf", 16)
    assert saved.FileAccessUri == f"/v3/company/{realm}/download/{saved.Id}"
    stored = sandbox.state.companies[realm].get("Attachable", saved.Id)
    assert stored["_content"] == "JVBERi0xLjQgcmVjZWlwdA=="  # the bytes, base64-decoded once
    read = Attachable.get(saved.Id, qb=qb)
    assert read.AttachableRef[0].EntityRef.value == invoice.Id
    rows = api.rows(
        "SELECT * FROM Attachable WHERE AttachableRef.EntityRef.Type = 'Invoice' "
        f"AND AttachableRef.EntityRef.value = '{invoice.Id}'"
    )["Attachable"]
    assert [row["Id"] for row in rows] == [saved.Id]
    answer = api.get(
        "cdc", entities="Attachable", changedSince=api.get("preferences").json()["time"][:10]
    )
    assert answer.json()["CDCResponse"][0]["QueryResponse"][0]["Attachable"][0]["Id"] == saved.Id
    saved.delete(qb=qb)
    assert api.get(f"attachable/{saved.Id}").status_code == 400


def test_a_standard_multipart_upload(api):
    link = {"EntityRef": {"type": "Customer", "value": "1"}}
    metadata = json.dumps({"FileName": "a.txt", "AttachableRef": [link]})
    response = api.session.post(
        f"{api.base}/upload",
        files={
            "file_metadata_01": (None, metadata, "application/json"),
            "file_content_01": ("a.txt", b"hello", "text/plain"),
        },
        timeout=10,
    )
    [answer] = response.json()["AttachableResponse"]
    assert (answer["Attachable"]["Size"], answer["Attachable"]["ContentType"]) == (5, "text/plain")


def test_a_note_and_a_link_to_nothing(qb, api):
    note = Attachable()
    note.Note = "Call before delivery"
    note.AttachableRef = [_link("Customer", "1")]
    saved = note.save(qb=qb)
    assert (saved.Note, saved.AttachableRef[0].EntityRef.type) == (
        "Call before delivery",
        "Customer",
    )
    bad = Attachable()
    bad.Note = "orphan"
    bad.AttachableRef = [_link("Invoice", "99999")]
    with pytest.raises(QuickbooksException) as missing:
        bad.save(qb=qb)
    assert missing.value.error_code == 610
    empty = api.post("attachable", {"AttachableRef": []})
    assert empty.json()["Fault"]["Error"][0]["code"] == "2020"
    unknown = api.post("attachable", {"Note": "x", "Colour": "red"})
    assert unknown.json()["Fault"]["Error"][0]["code"] == "2010"
