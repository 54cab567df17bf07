"""Upgrading a populated database from the schema before the QuickBooks core moved into qbo
(the connection in accounts, the call log, cursors and events in the former qbsync app):
every row arrives in qbo's tables with its id, tokens still decrypt, the old tables are gone
and new rows number after the old ones. Runs on SQLite and on PostgreSQL (CI)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qbo import vault
from qbo.models import OAuthState, QBOCall, QuickBooksConnection, SyncCursor, WebhookEvent
from tests.qbo import legacy_schema

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0004_invitation"), ("qbo", None)]
OLD_TABLES = [
    "accounts_quickbooksconnection",
    "accounts_oauthstate",
    "qbsync_qbocall",
    "qbsync_synccursor",
    "qbsync_webhookevent",
]


def _old_schema_with_rows():
    """Migrate back to the old schema, build the qbsync tables, fill everything; return the
    old app registry's models."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    state = executor.loader.project_state(BEFORE[0])
    for operation in legacy_schema.OPERATIONS:
        after = state.clone()
        operation.state_forwards(legacy_schema.APP, after)
        with connection.schema_editor() as editor:
            operation.database_forwards(legacy_schema.APP, editor, state, after)
        state = after
    return state.apps


def _fill(apps) -> dict:
    Company = apps.get_model("accounts", "Company")
    User = apps.get_model("accounts", "User")
    owner = User.objects.create(email="owner@example.com", password="!")
    companies = [Company.objects.create(name=f"Company {n}") for n in range(3)]
    Connection = apps.get_model("accounts", "QuickBooksConnection")
    for n, company in enumerate(companies):
        Connection.objects.create(
            id=100 + n,
            company=company,
            realm_id=f"realm-{n}",
            environment="local",
            status="connected",
            access_token_encrypted=vault.encrypt(
                f"access-{n}", company_id=company.pk, field="access_token"
            ),
            refresh_token_encrypted=vault.encrypt(
                f"refresh-{n}", company_id=company.pk, field="refresh_token"
            ),
            token_version=7,
            connected_by=owner,
        )
    apps.get_model("accounts", "OAuthState").objects.create(
        state_hash="a" * 64,
        session_key_hash="b" * 64,
        user=owner,
        company=companies[0],
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    calls = apps.get_model(legacy_schema.APP, "QBOCall")
    for n in range(250):
        calls.objects.create(
            company=companies[n % 3],
            operation=f"query Customer {n}",
            method="POST",
            status_code=200,
        )
    apps.get_model(legacy_schema.APP, "SyncCursor").objects.create(
        company=companies[1],
        entity="Customer",
        state="idle",
        high_water=datetime(2026, 12, 1, tzinfo=UTC),
        import_done=1200,
        import_total=1200,
    )
    apps.get_model(legacy_schema.APP, "WebhookEvent").objects.create(
        event_id="evt-1",
        realm_id="realm-2",
        company=companies[2],
        entity="Customer",
        entity_id="58",
        operation="Merge",
        deleted_id="57",
        payload_format="cloudevents",
    )
    return {"companies": [c.pk for c in companies], "calls": calls.objects.count()}


def test_a_populated_database_migrates_forward_without_losing_a_row():
    before = _fill(_old_schema_with_rows())
    assert "qbo_qbocall" not in connection.introspection.table_names()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    tables = set(connection.introspection.table_names())
    assert not tables & set(OLD_TABLES)
    connections = QuickBooksConnection.objects.order_by("id")
    assert [c.id for c in connections] == [100, 101, 102]
    assert [c.company_id for c in connections] == before["companies"]
    for n, conn in enumerate(connections):
        assert conn.token_version == 7 and conn.realm_id == f"realm-{n}"
        stored = conn.refresh_token_encrypted
        token = vault.decrypt(stored, company_id=conn.company_id, field="refresh_token")
        assert token == f"refresh-{n}"
    assert OAuthState.objects.get().state_hash == "a" * 64
    assert QBOCall.objects.count() == before["calls"] == 250
    cursor = SyncCursor.objects.get()
    assert (cursor.entity, cursor.import_done, cursor.company_id) == (
        "Customer",
        1200,
        before["companies"][1],
    )
    event = WebhookEvent.objects.get()
    assert (event.operation, event.deleted_id) == ("Merge", "57")
    # New rows number after the copied ones (the id sequences moved on).
    newest = QBOCall.objects.create(operation="query Invoice", method="POST")
    assert newest.id > max(QBOCall.objects.exclude(pk=newest.pk).values_list("id", flat=True))
    # Permissions followed the models: the staff group still sees the call log.
    group = Group.objects.get(name="Company staff")
    assert group.permissions.filter(content_type__app_label="qbo", codename="view_qbocall").exists()
