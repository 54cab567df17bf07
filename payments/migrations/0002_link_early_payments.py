"""Payments mirrored before their customer get that customer now: the customer page lists
a customer's payments through Payment.customer (new ones are linked as customers sync)."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def link(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    Customer = apps.get_model("customers", "Customer")
    mirrored = Customer.objects.filter(
        company_id=OuterRef("company_id"), qbo_id=OuterRef("customer_qbo_id")
    ).values("pk")[:1]
    Payment.objects.filter(customer__isnull=True).exclude(customer_qbo_id="").filter(
        Exists(mirrored)
    ).update(customer_id=Subquery(mirrored))


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("customers", "0002_customer_search_indexes"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
