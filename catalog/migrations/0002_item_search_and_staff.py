"""Item search indexes (PostgreSQL only) and the "Company staff" group's view permission.

Django's icontains on PostgreSQL is `UPPER("col"::text) LIKE UPPER('%term%')`, so the trigram
GIN indexes are on exactly those expressions: they answer the admin's search and the order
form's item search (catalog.views.item_search) at any size; the admin's "=qbo_id" is
`UPPER("qbo_id"::text) = UPPER('term')`. SQLite (development) gets none of this.

CREATE EXTENSION needs a superuser or, since PostgreSQL 13 (pg_trgm is a trusted extension),
the database owner; customers/0002 creates it too. Going back drops the indexes, keeps the
extension.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

INDEXES = {
    "item_fqn_trgm": "USING gin (UPPER(fully_qualified_name::text) gin_trgm_ops)",
    "item_sku_trgm": "USING gin (UPPER(sku::text) gin_trgm_ops)",
    "item_qbo_id_upper": "(UPPER(qbo_id::text))",
    "item_fqn_order": "(fully_qualified_name, id)",
}
GROUP = "Company staff"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON catalog_item {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def grant_view(apps, schema_editor):
    # As accounts/0003: permissions are made after all migrations, so make this one now.
    app_config = apps.get_app_config("catalog")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="view_item")
    )


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="catalog", codename="view_item")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("accounts", "0003_company_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
        migrations.RunPython(grant_view, revoke_view),
    ]
