"""A trivial tenant (a Shop, owned by a user) and the QuickBooks customers mirrored for it."""

from django.conf import settings
from django.db import models


class Shop(models.Model):
    name = models.CharField(max_length=100)
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One QuickBooks customer of a shop."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE)
    qbo_id = models.CharField(max_length=32)
    name = models.CharField(max_length=500)
    deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "qbo_id"], name="one_per_id")]

    def __str__(self) -> str:
        return self.name
