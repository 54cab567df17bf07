"""The "Company staff" group may view the credit memo and refund receipt mirrors (as
payments, accounts/0003): staff see only their companies' rows (accounts.admin_scope)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Company staff"
CODENAMES = ["view_creditmemo", "view_refundreceipt"]


def grant_view(apps, schema_editor):
    # As accounts/0003: permissions are made after all migrations, so make these now.
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=CODENAMES)
    )


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="payments", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_mirror_credit_memos_refunds"),
        ("accounts", "0003_company_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]
