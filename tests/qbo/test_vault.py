"""Tokens at rest: authenticated encryption, bound to the company and field, keys rotate."""

import base64
import secrets

import pytest
from django.core.management import call_command

from accounts.models import Company
from qbo import vault
from qbo.models import QuickBooksConnection
from tests.support import store_connection

pytestmark = pytest.mark.django_db


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def test_round_trip_and_format():
    stored = vault.encrypt("refresh-abc", company_id=7, field="refresh_token")
    assert stored.startswith(f"v1:{vault.keyring().primary_id}:")
    assert "refresh-abc" not in stored
    assert vault.decrypt(stored, company_id=7, field="refresh_token") == "refresh-abc"


def test_same_plaintext_encrypts_differently_each_time():
    a = vault.encrypt("same", company_id=1, field="access_token")
    b = vault.encrypt("same", company_id=1, field="access_token")
    assert a != b


def test_flipped_byte_raises():
    stored = vault.encrypt("refresh-abc", company_id=7, field="refresh_token")
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[-1] ^= 0x01
    tampered = prefix + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(vault.TokenDecryptError):
        vault.decrypt(tampered, company_id=7, field="refresh_token")


@pytest.mark.parametrize("company_id, field", [(8, "refresh_token"), (7, "access_token")])
def test_value_moved_to_another_row_or_field_does_not_decrypt(company_id, field):
    stored = vault.encrypt("refresh-abc", company_id=7, field="refresh_token")
    with pytest.raises(vault.TokenDecryptError):
        vault.decrypt(stored, company_id=company_id, field=field)


def test_unknown_key_id_raises_instead_of_returning_ciphertext(settings):
    stored = vault.encrypt("refresh-abc", company_id=7, field="refresh_token")
    settings.QBO_TOKEN_KEYS = f"other:{_key()}"
    with pytest.raises(vault.TokenDecryptError):
        vault.decrypt(stored, company_id=7, field="refresh_token")


def test_raw_columns_hold_no_plaintext(company):
    store_connection(company, access="plain-access-canary", refresh="plain-refresh-canary")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM qbo_quickbooksconnection"
        )
        row = cursor.fetchone()
    assert "canary" not in " ".join(row)
    assert all(value.startswith("v1:") for value in row)


def test_rotation_re_encrypts_every_row_and_is_resumable(settings, user):
    old = settings.QBO_TOKEN_KEYS
    companies = [Company.objects.create(name=f"Co {i}") for i in range(5)]
    for company in companies:
        store_connection(company, realm_id=f"realm-{company.pk}", refresh=f"r-{company.pk}")
    new_id = "k-new"
    settings.QBO_TOKEN_KEYS = f"{new_id}:{_key()},{old}"

    # A run killed after two rows: re-encrypt two by hand the way the command does.
    from qbo.management.commands.rotate_token_keys import _rotate_one

    first_two = QuickBooksConnection.objects.order_by("pk")[:2]
    for conn in first_two:
        assert _rotate_one(conn.pk)
    call_command("rotate_token_keys")

    settings.QBO_TOKEN_KEYS = settings.QBO_TOKEN_KEYS.split(",")[0]  # old key removed
    for conn in QuickBooksConnection.objects.all():
        assert vault.key_id_of(conn.refresh_token_encrypted) == new_id
        assert vault.key_id_of(conn.access_token_encrypted) == new_id
        plain = vault.decrypt(
            conn.refresh_token_encrypted, company_id=conn.company_id, field="refresh_token"
        )
        assert plain == f"r-{conn.company_id}"
