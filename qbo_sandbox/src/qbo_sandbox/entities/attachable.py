"""Attachable: a note or an uploaded file, linked to transactions or names through
AttachableRef [{EntityRef: {type, value}, IncludeOnSend}].

Intuit's Attachable reference and attachments guide: metadata-only POST /attachable (a note),
or multipart POST /upload with parts `file_metadata_NN` (the Attachable JSON) and
`file_content_NN` (the file, its Content-Type), answered as
{"AttachableResponse": [{"Attachable": {...}}]}; python-quickbooks' client builds exactly that
body (base64, Content-Transfer-Encoding: base64).
"""

from __future__ import annotations

from functools import cached_property

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities import schema
from qbo_sandbox.entities.base import EntityType, ref_value

# Anything but the company's singletons can carry an attachment (names, lists, transactions).
NOT_LINKABLE = ("CompanyInfo", "Preferences")


def _linkable(name: str) -> str | None:
    """The entity's own spelling ("invoice" -> "Invoice"), if attachments may link to it.
    (By the schema's names: the entity registry imports this module.)"""
    found = next((known for known in schema.ENTITIES if known.lower() == name.lower()), None)
    return None if found in NOT_LINKABLE else found


class AttachableType(EntityType):
    name = "Attachable"
    kind = "transaction"  # deletable (DeleteMixin in python-quickbooks; Intuit's reference)
    read_only = frozenset(
        {
            "FileAccessUri",
            "TempDownloadUri",
            "ThumbnailFileAccessUri",
            "ThumbnailTempDownloadUri",
            "Size",
        }
    )

    @cached_property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(schema.ENTITIES[self.name])

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        if not data.get("Note") and not data.get("FileName") and not data.get("_content"):
            # Unverified element: a metadata-only attachable is a note.
            raise errors.required_param("Note")
        refs = []
        for ref in data.get("AttachableRef") or []:
            entity_ref = (ref or {}).get("EntityRef") or {}
            name = _linkable(str(entity_ref.get("type", "")))
            ident = ref_value(entity_ref)
            if ident is None or name is None:
                raise errors.required_param("AttachableRef.EntityRef")
            if not ident.isdigit():
                raise errors.invalid_id(ident, "AttachableRef.EntityRef.value")
            if work.get(name, ident) is None:
                raise errors.object_not_found(name, ident)
            entity_ref = {"type": name, "value": ident}
            refs.append({"IncludeOnSend": False, **ref, "EntityRef": entity_ref})
        obj = {**data, "AttachableRef": refs}
        if existing is not None and "_content" not in obj and "_content" in existing:
            for key in ("_content", "Size", "ContentType", "FileName"):
                if key in existing:
                    obj.setdefault(key, existing[key])
        if "_content" in obj:
            obj["FileAccessUri"] = f"/v3/company/{work.company.realm_id}/download/{{id}}"
        return obj

    def render(self, obj: dict) -> dict:
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        if "FileAccessUri" in out:
            out["FileAccessUri"] = out["FileAccessUri"].replace("{id}", obj["Id"])
        return out
