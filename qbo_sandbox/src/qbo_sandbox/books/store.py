"""In-memory state: companies, their entities and change logs, and the OAuth store.

Concurrency: each company has one re-entrant lock; every write goes through a
`UnitOfWork` that is committed under it. Stored entity dicts are never modified in
place (writers build new dicts), so readers may serialise references they took
under the lock after releasing it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from qbo_sandbox.books.clock import Clock
from qbo_sandbox.oauth.tokens import TokenStore

REALM_BASE = 9_130_350_000_000_000
# Which names must be unique together: DisplayName across Customer, Vendor and Employee.
NAMESPACES = {
    "Customer": ("names", "DisplayName"),
    "Vendor": ("names", "DisplayName"),
    "Employee": ("names", "DisplayName"),
    "Item": ("Item", "Name"),
    "Account": ("Account", "Name"),
    "Term": ("Term", "Name"),
    "PaymentMethod": ("PaymentMethod", "Name"),
    "Class": ("Class", "_NameKey"),  # FullyQualifiedName while active (entities/tracking.py)
    "Department": ("Department", "_NameKey"),
}
REPLY_RETENTION = 86_400  # unverified: Intuit does not say how long it keeps requestids


def fold(name: str) -> str:
    """Names compare case-insensitively with runs of white space collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Change:
    """One change-log row: what CDC tombstones and webhooks are built from."""

    entity: str
    id: str
    operation: str  # Create | Update | Delete | Merge | Void | Emailed
    time: datetime
    merged_id: str | None = None
    source: str = "api"


@dataclass(frozen=True, slots=True)
class Reply:
    """A stored response, replayed for a repeated requestid."""

    status: int
    body: bytes
    content_type: str
    stored_at: float


class Company:
    """One sandbox company (realm)."""

    def __init__(self, realm_id: str, name: str, created: datetime) -> None:
        self.realm_id = realm_id
        self.name = name
        self.created = created
        self.lock = threading.RLock()
        self.tables: dict[str, dict[str, dict]] = defaultdict(dict)
        self.counters: dict[str, int] = defaultdict(int)
        self.names: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
        self.changes: list[Change] = []
        self.replies: dict[str, Reply] = {}

    def next_id(self, entity: str) -> str:
        self.counters[entity] += 1
        return str(self.counters[entity])

    def get(self, entity: str, ident: str) -> dict | None:
        table = self.tables.get(entity)  # .get: reading must not add a table without the lock
        return table.get(ident) if table is not None else None

    def rows(self, entity: str) -> list[dict]:
        """A snapshot of one table, in Id order, safe to use after the lock is released."""
        with self.lock:
            return list(self.tables[entity].values())

    def count(self, entity: str) -> int:
        with self.lock:
            return len(self.tables[entity])

    def reindex(self, entity: str, old: dict | None, new: dict | None) -> None:
        if entity not in NAMESPACES:
            return
        namespace, field = NAMESPACES[entity]
        index = self.names[namespace]
        if old is not None and index.get(fold(old[field])) == (entity, old["Id"]):
            del index[fold(old[field])]
        if new is not None:
            index[fold(new[field])] = (entity, new["Id"])

    def remember_reply(self, request_id: str, reply: Reply) -> None:
        self.replies[request_id] = reply
        oldest = next(iter(self.replies.values()))
        if reply.stored_at - oldest.stored_at > REPLY_RETENTION:
            self.replies = {
                key: kept
                for key, kept in self.replies.items()
                if reply.stored_at - kept.stored_at <= REPLY_RETENTION
            }


class UnitOfWork:
    """The pending writes of one operation; nothing is visible until `commit`.

    `hidden` objects read as missing: a batch item cannot see what earlier items of the same
    batch created (Intuit's documented batch behaviour).
    """

    def __init__(
        self, company: Company, now: datetime, source: str, hidden: frozenset = frozenset()
    ) -> None:
        self.company = company
        self.now = now
        self.source = source
        self.hidden = hidden
        self.writes: dict[tuple[str, str], dict | None] = {}
        self.changes: list[Change] = []
        self._pending_names: dict[tuple[str, str], tuple[str, str]] = {}
        self._claimed: dict[tuple[str, str], tuple[str, str]] = {}

    def get(self, entity: str, ident: str) -> dict | None:
        key = (entity, ident)
        if key in self.writes:
            return self.writes[key]
        if key in self.hidden:
            return None
        return self.company.get(entity, ident)

    def values(self, entity: str) -> Iterator[dict]:
        table = self.company.tables[entity]
        pending = {i: obj for (e, i), obj in self.writes.items() if e == entity}
        for ident, obj in table.items():
            current = pending.pop(ident, obj) if ident in pending else obj
            if current is not None:
                yield current
        yield from (obj for obj in pending.values() if obj is not None)

    def put(self, entity: str, obj: dict, operation: str | None = None) -> None:
        """Stage a write; `operation` None means a silent system write (no change row)."""
        key = (entity, obj["Id"])
        self.writes[key] = obj
        if entity in NAMESPACES:
            namespace, field = NAMESPACES[entity]
            self._claim(key, (namespace, fold(obj[field])))
        if operation:
            self.record(entity, obj["Id"], operation)

    def remove(self, entity: str, ident: str, operation: str | None = "Delete") -> None:
        """Stage a removal; a merge passes None (its Merge row stands for the removal)."""
        self.writes[(entity, ident)] = None
        self._claim((entity, ident), None)
        if operation:
            self.record(entity, ident, operation)

    def record(self, entity: str, ident: str, operation: str, merged_id: str | None = None) -> None:
        self.changes.append(Change(entity, ident, operation, self.now, merged_id, self.source))

    def _claim(self, owner: tuple[str, str], name: tuple[str, str] | None) -> None:
        previous = self._claimed.pop(owner, None)
        if previous is not None and self._pending_names.get(previous) == owner:
            del self._pending_names[previous]
        if name is not None:
            self._claimed[owner] = name
            self._pending_names[name] = owner

    def name_owner(self, entity: str, name: str) -> tuple[str, str] | None:
        """Who uses `name` in the entity's namespace, counting this unit's pending writes."""
        namespace, _ = NAMESPACES[entity]
        key = (namespace, fold(name))
        owner = self._pending_names.get(key)
        if owner is not None:
            return owner
        owner = self.company.names[namespace].get(key[1])
        if owner is not None and owner in self.writes and self._claimed.get(owner) != key:
            return None  # its pending write renamed or removed it
        return owner


Listener = Callable[[str, Change], None]


class SandboxState:
    """All companies plus the OAuth store; what `--data` persists."""

    def __init__(self, clock: Clock | None = None, token_mode: str = "intuit") -> None:  # noqa: S107
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}
        self.realm_counter = 0
        self.oauth = TokenStore(self.clock, token_mode)
        self.listeners: list[Listener] = []
        self.version = 0

    def company(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)

    def all_companies(self) -> list[Company]:
        with self.lock:
            return list(self.companies.values())

    def add_company(self, name: str) -> Company:
        with self.lock:
            self.realm_counter += 1
            realm_id = str(REALM_BASE + self.realm_counter)
            company = Company(realm_id, name, self.clock.now())
            self.companies[realm_id] = company
            self.version += 1
            return company

    def begin(
        self, company: Company, source: str = "api", hidden: frozenset = frozenset()
    ) -> UnitOfWork:
        return UnitOfWork(company, self.clock.now(), source, hidden)

    def commit(self, work: UnitOfWork) -> None:
        """Apply a unit of work atomically, append its changes, then tell the listeners.

        Listeners run on the writing thread, still under the company's lock (mutations hold
        it): they must be quick, e.g. put the change on a queue for a background thread.
        """
        company = work.company
        with company.lock:
            for (entity, ident), obj in work.writes.items():
                table = company.tables[entity]
                company.reindex(entity, table.get(ident), obj)
                if obj is None:
                    table.pop(ident, None)
                else:
                    table[ident] = obj
            company.changes.extend(work.changes)
        self.version += 1
        for change in work.changes:
            for listener in list(self.listeners):
                listener(company.realm_id, change)

    def touch(self) -> None:
        self.version += 1

    def reset(self) -> None:
        with self.lock:
            self.companies.clear()
            self.realm_counter = 0
            self.oauth.clear()
            self.version += 1
