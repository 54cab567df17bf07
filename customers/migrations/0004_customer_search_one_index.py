"""One trigram index for customer search instead of four (customers.search says why).

The index's expression is compiled from `customers.search.search_text()` — the expression the
searches filter on — exactly as Django writes an icontains over it (`UPPER((…)::text)`), so
the planner matches the two. The foreign key's own index on company_id goes too: the unique
(company_id, qbo_id) index already serves every lookup by company. PostgreSQL only, like 0002.
"""

from django.db import migrations, models

from customers.search import INDEX_NAME, search_text

OLD_TRIGRAMS = {
    "customer_display_name_trgm": "display_name",
    "customer_company_name_trgm": "company_name",
    "customer_email_trgm": "email",
    "customer_phone_trgm": "phone",
}


def index_sql(customer, schema_editor) -> str:
    """CREATE INDEX over UPPER(search_text::text) with trigrams, compiled by Django."""
    from django.db.models.functions import Cast, Upper
    from django.db.models.sql import Query

    query = Query(customer, alias_cols=False)
    expression = Upper(Cast(search_text(), models.TextField())).resolve_expression(query)
    sql, params = query.get_compiler(connection=schema_editor.connection).compile(expression)
    sql %= tuple(schema_editor.quote_value(param) for param in params)
    return f"CREATE INDEX {INDEX_NAME} ON customers_customer USING gin (({sql}) gin_trgm_ops)"


def one_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute(index_sql(apps.get_model("customers", "Customer"), schema_editor))
    for name in OLD_TRIGRAMS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def four_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in OLD_TRIGRAMS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_details")]

    operations = [
        migrations.RunPython(one_index, four_indexes, elidable=False),
        migrations.AlterField(
            model_name="customer",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="customers",
                to="accounts.company",
            ),
        ),
    ]
