"""API keys: made on the settings page by owners and admins, shown once, stored as a
digest, revoked for good; requests are scoped to the key's company."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership
from api.models import ApiKey

pytestmark = pytest.mark.django_db

KEY = re.compile(r"qbs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}")


def test_an_owner_creates_a_key_shown_once_and_stored_as_a_digest(owner_client, company):
    page = owner_client.post("/settings/api/", {"name": "Web shop"})
    assert page.status_code == 200
    [key] = KEY.findall(page.text)
    row = ApiKey.objects.get(company=company)
    assert row.name == "Web shop" and key.startswith(f"qbs_{row.prefix}_")
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.filter(pk=row.pk).values().get())
    again = owner_client.get("/settings/api/")
    assert key not in again.text and f"qbs_{row.prefix}_…" in again.text


def test_the_key_works_until_revoked(owner_client, client, company):
    key = KEY.findall(owner_client.post("/settings/api/", {"name": "Shop"}).text)[0]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/orders/", **auth).status_code == 200
    assert ApiKey.objects.get().last_used_at is not None
    row = ApiKey.objects.get()
    assert owner_client.post(f"/settings/api/keys/{row.pk}/revoke/").status_code == 302
    refused = client.get("/api/v1/orders/", **auth)
    assert refused.status_code == 401
    assert refused.json()["code"] == "revoked_key"


def test_members_cannot_see_or_make_keys(client, company, django_user_model):
    member = django_user_model.objects.create_user(email="m@example.com", password="pw-m-1")
    Membership.objects.create(user=member, company=company, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get("/settings/api/").status_code == 403
    assert client.post("/settings/api/", {"name": "Sneaky"}).status_code == 403
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required"), ("k" * 101, "at most 100 characters")],
)
def test_a_bad_name_is_a_form_error(owner_client, name, message):
    page = owner_client.post("/settings/api/", {"name": name})
    assert page.status_code == 200 and message in page.text
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer", "invalid_key"),
        ("Token qbs_abc", "invalid_key"),
        ("Bearer not-a-key", "invalid_key"),
        ("Bearer qbs_aaaaaaaaaaaa_" + "A" * 43, "invalid_key"),
    ],
)
def test_missing_or_malformed_keys_are_refused_with_json(client, api, header, code):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/orders/", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_right_prefix_with_a_wrong_secret_is_refused(client, acme_key):
    forged = acme_key[:-4] + ("AAAA" if not acme_key.endswith("AAAA") else "BBBB")
    response = client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401 and response.json()["code"] == "invalid_key"


def test_the_command_prints_a_working_key(client, company):
    out = io.StringIO()
    call_command("create_api_key", company="Acme Supplies", name="curl", stdout=out)
    key = out.getvalue().strip()
    assert KEY.fullmatch(key)
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_key", company="Nobody Ltd", name="x")
