"""Indexes for the admin's customer search and ordering, on PostgreSQL only.

Django's icontains on PostgreSQL is `UPPER("col"::text) LIKE UPPER('%term%')` and the admin's
"=qbo_id" is `UPPER("qbo_id"::text) = UPPER('term')`, so these index exactly those expressions:
a trigram GIN index can answer LIKE '%term%', a plain B-tree can't. The changelist orders by
(display_name, id). SQLite (development) gets none of this and doesn't need it.

CREATE EXTENSION needs a superuser or, since PostgreSQL 13 (pg_trgm is a trusted extension),
the database owner. Going back drops the indexes but keeps the extension: something else
may use it by then.
"""

from django.db import migrations

INDEXES = {
    "customer_display_name_trgm": "USING gin (UPPER(display_name::text) gin_trgm_ops)",
    "customer_company_name_trgm": "USING gin (UPPER(company_name::text) gin_trgm_ops)",
    "customer_email_trgm": "USING gin (UPPER(email::text) gin_trgm_ops)",
    "customer_phone_trgm": "USING gin (UPPER(phone::text) gin_trgm_ops)",
    "customer_qbo_id_upper": "(UPPER(qbo_id::text))",
    "customer_name_order": "(display_name, id)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
