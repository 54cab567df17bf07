"""Class and Department: the name lists transactions are tracked by.

Shapes from quickbooks-ruby's fixtures (spec/fixtures/class.xml, department.xml,
deleted_class.xml): Name, SubClass/SubDepartment, ParentRef, FullyQualifiedName
("Parent:Child"), Active; a deactivated one is answered as "Name (Deleted)", Active false, its
FullyQualifiedName unchanged. Names are unique by FullyQualifiedName (6240, by analogy with
the other lists); references to an unknown or inactive one are 610 (resolve_ref).
"""

from __future__ import annotations

import re
from functools import cached_property

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities import schema
from qbo_sandbox.entities.base import (
    EntityType,
    boolean_of,
    check_name_characters,
    claim_name,
    resolve_ref,
)

_DELETED = re.compile(r" \(Deleted\)$")
NAME_KEY = "_NameKey"  # what uniqueness is indexed on (store.NAMESPACES)


class TrackingType(EntityType):
    kind = "name"
    read_only = frozenset({"FullyQualifiedName"})
    sub_field = "SubClass"
    label = "class"

    @cached_property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(schema.ENTITIES[self.name])

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        name = _DELETED.sub("", " ".join(str(data.get("Name") or "").split()))
        if not name:
            raise errors.required_param("Name")
        check_name_characters(name, "Name")
        own_id = existing["Id"] if existing else None
        active = boolean_of(data, "Active", True)
        sub = boolean_of(data, self.sub_field, False) or "ParentRef" in data
        parent_ref = resolve_ref(work, data, "ParentRef", self.name, required=sub)
        if parent_ref is not None and parent_ref["value"] == own_id:
            raise errors.business_rule(f"A {self.label} cannot be its own parent.")
        parent = work.get(self.name, parent_ref["value"]) if parent_ref else None
        qualified = f"{parent['FullyQualifiedName']}:{name}" if parent else name
        obj = {**data, "Name": name, self.sub_field: parent is not None, "Active": active}
        obj["FullyQualifiedName"] = qualified
        if parent_ref is not None:
            obj["ParentRef"] = parent_ref
        else:
            obj.pop("ParentRef", None)
        if active:
            claim_name(work, self.name, qualified, own_id, self.label)
            obj[NAME_KEY] = qualified
        else:
            obj["Name"] = f"{name} (Deleted)"
            obj[NAME_KEY] = f"{qualified}\x00{own_id or work.company.next_id('DeletedName')}"
        return obj

    def render(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}


class ClassType(TrackingType):
    name = "Class"


class DepartmentType(TrackingType):
    name = "Department"
    sub_field = "SubDepartment"
    label = "department"
