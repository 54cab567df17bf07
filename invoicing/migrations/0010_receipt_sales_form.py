from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0009_order_exchange_rate"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="qbo_form",
            field=models.CharField(
                choices=[("invoice", "Invoice"), ("sales_receipt", "Sales receipt")],
                default="invoice",
                max_length=15,
                verbose_name="QuickBooks form",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="payment_method_id",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="order",
            name="payment_method_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="payment method"),
        ),
        migrations.AddField(
            model_name="order",
            name="deposit_account_id",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="order",
            name="deposit_account_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="deposited to"),
        ),
        migrations.RemoveConstraint(
            model_name="order",
            name="unique_order_invoice",
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                condition=models.Q(("qbo_invoice_id", ""), _negated=True),
                fields=("company", "qbo_form", "qbo_invoice_id"),
                name="unique_order_invoice",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("qbo_form", "invoice"), models.Q(("deposit_account_id", ""), _negated=True), _connector="OR"
                ),
                name="order_receipt_deposit_account",
            ),
        ),
    ]
