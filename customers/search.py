"""Finding customers by typed text: one expression, one trigram index.

Every search of the mirror (the admin, the customers page, the order form's picker) matches
a term anywhere in the display name, company name, email or phone. On PostgreSQL that is
`UPPER(<the four joined>::text) LIKE UPPER('%term%')` over the single trigram GIN index of
migration 0004, built from this same expression, so the planner recognises it. One index
instead of four (one per field) is most of what an import page spends on index upkeep: it
costs a page ~15 ms of the server's CPU less (docs/scaling.md). The fields are joined by
U+001F (the unit separator), which nobody types, so a term can't match across two fields.
"""

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Concat

SEPARATOR = "\x1f"
SEARCHED = ("display_name", "company_name", "email", "phone")
INDEX_NAME = "customer_search_trgm"


def search_text() -> Concat:
    """The four searched fields as one text (the trigram index's expression)."""
    parts = []
    for name in SEARCHED:
        parts += [name, Value(SEPARATOR)]
    return Concat(*parts[:-1], output_field=CharField())


def matching(customers: QuerySet, term: str) -> QuerySet:
    """The customers with `term` (any case) in any searched field."""
    return customers.alias(search_text=search_text()).filter(search_text__icontains=term)
