"""The mirror of each company's QuickBooks items (products and services; QBO is the source of
truth). Products (invoicing.Product) link to an item by its QuickBooks id."""

from django.db import models


class Item(models.Model):
    class Type(models.TextChoices):
        SERVICE = "Service"
        NON_INVENTORY = "NonInventory"
        INVENTORY = "Inventory"
        CATEGORY = "Category"
        GROUP = "Group"
        # Older companies' items (before non-inventory and categories) and anything new.
        OTHER = "Other"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="items")
    qbo_id = models.CharField("QuickBooks id", max_length=32)
    name = models.CharField(max_length=100)
    # "Category:Sub:Item" for items under a category.
    fully_qualified_name = models.CharField(max_length=1000, blank=True)
    sku = models.CharField("SKU", max_length=100, blank=True)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.SERVICE)
    parent_qbo_id = models.CharField("category id", max_length=32, blank=True)
    active = models.BooleanField(default=True)
    deleted_in_qbo = models.BooleanField(
        "deleted in QuickBooks",
        default=False,
        help_text="Gone from QuickBooks (items are made inactive, not deleted, so rarely).",
    )
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    description = models.TextField(blank=True)
    taxable = models.BooleanField(default=False)
    track_qty_on_hand = models.BooleanField(default=False)
    qty_on_hand = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    income_account_id = models.CharField(max_length=32, blank=True)
    income_account_name = models.CharField(max_length=1000, blank=True)
    sync_token = models.CharField(max_length=20, blank=True)
    qbo_created_at = models.DateTimeField(null=True, blank=True)
    qbo_updated_at = models.DateTimeField("updated in QuickBooks", null=True, blank=True)
    raw = models.JSONField("QuickBooks JSON", default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["fully_qualified_name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "qbo_id"], name="unique_item_qbo_id"),
        ]
        indexes = [
            models.Index(fields=["company", "fully_qualified_name"], name="item_company_fqn"),
            models.Index(fields=["company", "sku"], name="item_company_sku"),
        ]

    def __str__(self) -> str:
        return self.fully_qualified_name or self.name

    @property
    def plain_price(self) -> str:
        """The unit price as a form field takes it: cents at least, never "1E+2"."""
        trimmed = self.unit_price.normalize()
        return f"{trimmed:f}" if trimmed.as_tuple().exponent < -2 else f"{self.unit_price:.2f}"

    @property
    def sales_tax_code_id(self) -> str:
        """The item's SalesTaxCodeRef (a line's default tax code outside the US)."""
        return str(((self.raw or {}).get("SalesTaxCodeRef") or {}).get("value") or "")

    @property
    def class_id(self) -> str:
        """The item's ClassRef: its default class (QBO-TRANSACTIONS.md §9)."""
        return str(((self.raw or {}).get("ClassRef") or {}).get("value") or "")

    @property
    def sellable(self) -> bool:
        """An order line can use it: live, and not a category (categories only group items)."""
        return self.active and not self.deleted_in_qbo and self.type != self.Type.CATEGORY
