"""Re-encrypt every stored token under the newest key in QBO_TOKEN_KEYS.

Resumable: each connection is re-encrypted in its own transaction under its row lock, and
only rows still under an older key are picked, so a killed run is simply run again.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from qbo import vault
from qbo.models import QuickBooksConnection

FIELDS = ("access_token", "refresh_token")


def _rotate_one(pk: int) -> bool:
    with transaction.atomic():
        conn = QuickBooksConnection.objects.select_for_update().get(pk=pk)
        changed = []
        for name in FIELDS:
            stored = getattr(conn, f"{name}_encrypted")
            if vault.needs_rotation(stored):
                plain = vault.decrypt(stored, company_id=conn.company_id, field=name)
                setattr(
                    conn,
                    f"{name}_encrypted",
                    vault.encrypt(plain, company_id=conn.company_id, field=name),
                )
                changed.append(f"{name}_encrypted")
        if changed:
            conn.save(update_fields=changed)
        return bool(changed)


class Command(BaseCommand):
    help = "Re-encrypt stored QuickBooks tokens under the first key of QBO_TOKEN_KEYS."

    def handle(self, *args, **options):
        primary = vault.keyring().primary_id
        rotated = 0
        for pk, access, refresh in (
            QuickBooksConnection.objects.order_by("pk")
            .values_list("pk", "access_token_encrypted", "refresh_token_encrypted")
            .iterator(chunk_size=500)
        ):
            if vault.needs_rotation(access) or vault.needs_rotation(refresh):
                rotated += _rotate_one(pk)
        remaining = sum(
            vault.needs_rotation(a) or vault.needs_rotation(r)
            for a, r in QuickBooksConnection.objects.values_list(
                "access_token_encrypted", "refresh_token_encrypted"
            )
        )
        self.stdout.write(
            f"re-encrypted {rotated} connection(s) under key {primary!r}; "
            f"{remaining} left under older keys"
        )
