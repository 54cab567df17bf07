"""The "Company staff" group: what staff who aren't superusers need to use the admin.

Staff see only their own companies' rows (accounts.admin_scope), but Django still asks for
model permissions before it shows a page. Change on orders is for the "Push again" action,
change on products for editing them; everything synced from QuickBooks is view-only.

(The QuickBooks core's view permissions join the group in 0005, where its models moved to
the qbo app: this migration no longer names the old qbsync app, which is gone.)
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Company staff"
PERMISSIONS = [
    ("customers", "view_customer"),
    ("payments", "view_payment"),
    ("payments", "view_paymentapplication"),
    ("invoicing", "view_order"),
    ("invoicing", "change_order"),
    ("invoicing", "view_product"),
    ("invoicing", "change_product"),
]


def create_group(apps, schema_editor):
    # Permissions are made by a post_migrate signal, after every migration has run; on a
    # fresh database they don't exist yet, so make them now (create_permissions skips any
    # that exist).
    for label in sorted({label for label, _ in PERMISSIONS}):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=label, codename=codename)
        )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_oauthstate_quickbooksconnection"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("invoicing", "0001_initial"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
