"""The QuickBooks connection and Connect attempts moved to the qbo app, with the call log,
sync cursors and webhook events of the former qbsync app: their rows are copied into qbo's
tables (ids kept, sequences moved on), the old tables dropped, and content types renamed so
permissions and admin history follow. On a fresh database there is nothing to copy.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# old table -> (new table, content type (app, model) before)
MOVED = {
    "accounts_quickbooksconnection": ("qbo_quickbooksconnection", ("accounts", "quickbooksconnection")),
    "accounts_oauthstate": ("qbo_oauthstate", ("accounts", "oauthstate")),
    "qbsync_qbocall": ("qbo_qbocall", ("qbsync", "qbocall")),
    "qbsync_synccursor": ("qbo_synccursor", ("qbsync", "synccursor")),
    "qbsync_webhookevent": ("qbo_webhookevent", ("qbsync", "webhookevent")),
}
GROUP = "Company staff"
STAFF_VIEWS = ["view_webhookevent", "view_synccursor", "view_qbocall"]


def _columns(schema_editor, table: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _copy(schema_editor, source: str, target: str) -> None:
    """Every row of `source` into `target` (same ids), and target's id sequence past them."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    columns = [c for c in _columns(schema_editor, source) if c in _columns(schema_editor, target)]
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(target)} ({names}) SELECT {names} FROM {quote(source)}"  # noqa: S608 - table names
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), "
                f"MAX(id) IS NOT NULL) FROM {quote(target)}",  # noqa: S608 - a table name
                [target],
            )


def copy_rows(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for old, (new, _) in MOVED.items():
        if old in existing:
            _copy(schema_editor, old, new)
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        # The former qbsync app is gone: its tables (no model owns them now) and its history.
        for old in [t for t in MOVED if t.startswith("qbsync_") and t in existing]:
            cursor.execute(f"DROP TABLE {quote(old)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'qbsync'")


def copy_rows_back(apps, schema_editor):
    """Unmigrating: the connection and Connect attempts go back to accounts' tables (the call
    log, cursors and events stay in qbo's, which the qbo app's own reversal drops)."""
    for old, (new, _) in MOVED.items():
        if old.startswith("accounts_"):
            _copy(schema_editor, new, old)


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for _, (_, (app_label, model)) in MOVED.items():
        if not ContentType.objects.filter(app_label="qbo", model=model).exists():
            ContentType.objects.filter(app_label=app_label, model=model).update(app_label="qbo")
    # The staff group sees the core's support tables, as it did when they were qbsync's.
    app_config = apps.get_app_config("qbo")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="qbo", codename__in=STAFF_VIEWS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitation"),
        ("qbo", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_rows, copy_rows_back),
        migrations.DeleteModel("QuickBooksConnection"),
        migrations.DeleteModel("OAuthState"),
        migrations.RunPython(rename_content_types, migrations.RunPython.noop),
    ]
