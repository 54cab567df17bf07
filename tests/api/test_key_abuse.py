"""API keys under abuse: guessing keys from one address is throttled, and a key's rights
end where its creator's do (role lowered, membership gone, account deactivated)."""

import re
import uuid

import pytest

from accounts.models import Membership
from api import keys, throttle
from invoicing.models import Order
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db

GUESS = "Bearer qbs_aaaaaaaaaaaa_" + "A" * 43
ATTACKER, NEIGHBOUR = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def few_tries(settings):
    settings.THROTTLE_PER_ADDRESS = 3
    settings.THROTTLE_WINDOW = 900
    return 3


def get(client, key_header: str, address: str):
    return client.get("/api/v1/orders/", HTTP_AUTHORIZATION=key_header, REMOTE_ADDR=address)


def test_bad_keys_from_one_address_end_in_429_even_for_a_valid_key(client, acme_key, few_tries):
    for _ in range(few_tries):
        assert get(client, GUESS, ATTACKER).status_code == 401
    refused = get(client, f"Bearer {acme_key}", ATTACKER)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert re.search(r"try again in \d+ minutes", body["message"]), body["message"]
    # The failures hold through this window and the next (both are counted).
    assert 900 < int(refused["Retry-After"]) <= 1801
    # A malformed header is a guess too, and is refused the same way once over.
    assert get(client, "Token nonsense", ATTACKER).status_code == 429
    # Another address is not held back by the attacker's failures.
    assert get(client, f"Bearer {acme_key}", NEIGHBOUR).status_code == 200
    assert get(client, GUESS, NEIGHBOUR).status_code == 401


def test_the_address_may_try_again_once_the_windows_pass(client, acme_key, few_tries, monkeypatch):
    for _ in range(few_tries):
        get(client, GUESS, ATTACKER)
    assert get(client, f"Bearer {acme_key}", ATTACKER).status_code == 429
    # Two windows on, neither the current nor the previous window holds a failure.
    later = throttle.time.time() + 2 * 900
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert get(client, f"Bearer {acme_key}", ATTACKER).status_code == 200


def test_successful_and_revoked_keys_are_not_counted(client, company, acme_key, few_tries):
    for _ in range(few_tries * 3):
        assert get(client, f"Bearer {acme_key}", ATTACKER).status_code == 200
    row, old = keys.create_key(company=company, name="Old shop", created_by=None)
    keys.revoke_key(row)
    for _ in range(few_tries * 2):
        assert get(client, f"Bearer {old}", ATTACKER).json()["code"] == "revoked_key"
    for _ in range(few_tries - 1):
        assert get(client, GUESS, ATTACKER).status_code == 401
    assert get(client, f"Bearer {acme_key}", ATTACKER).status_code == 200


# --- a key's rights follow its creator's membership -------------------------------------


@pytest.fixture
def bob(company, django_user_model):
    """Bob, an admin of Acme, who makes a key."""
    bob = django_user_model.objects.create_user(email="bob.admin@acme.test", password="pw-bob-1")
    Membership.objects.create(user=bob, company=company, role=Membership.Role.ADMIN)
    return bob


@pytest.fixture
def bobs_key(company, bob):
    return keys.create_key(company=company, name="Bob's shop", created_by=bob)[1]


def cancel(client, key: str, order: Order):
    return client.post(
        f"/api/v1/orders/{order.pk}/cancel/",
        {"delete": False},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_an_admins_key_cancels_and_acts_as_a_member_once_demoted(client, company, bob, bobs_key):
    first = make_order(company, number="1001")
    assert cancel(client, bobs_key, first).status_code == 200
    assert Order.objects.get(pk=first.pk).cancelled_at is not None

    Membership.objects.filter(user=bob, company=company).update(role=Membership.Role.MEMBER)
    second = make_order(company, number="1002")
    refused = cancel(client, bobs_key, second)
    assert refused.status_code == 403
    assert refused.json()["code"] == "managers_only"
    assert "acts as a member" in refused.json()["message"]
    assert Order.objects.get(pk=second.pk).cancelled_at is None
    # What a member may do, the key still may: read the orders.
    listed = client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {bobs_key}")
    assert listed.status_code == 200 and len(listed.json()["results"]) == 2


@pytest.mark.parametrize("action", ["credits", "refunds"])
def test_a_member_key_may_not_credit_or_refund(client, company, bob, bobs_key, action):
    Membership.objects.filter(user=bob, company=company).update(role=Membership.Role.MEMBER)
    order = make_order(company, push_status="synced", qbo_invoice_id="130")
    response = client.post(
        f"/api/v1/orders/{order.pk}/{action}/",
        {"amount": "1.00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bobs_key}",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 403 and response.json()["code"] == "managers_only"


@pytest.mark.parametrize("leaves", ["membership removed", "account deactivated", "user deleted"])
def test_a_key_stops_working_when_its_creator_leaves(client, company, bob, bobs_key, leaves):
    assert get(client, f"Bearer {bobs_key}", NEIGHBOUR).status_code == 200
    if leaves == "membership removed":
        Membership.objects.filter(user=bob, company=company).delete()
    elif leaves == "account deactivated":
        bob.is_active = False
        bob.save(update_fields=["is_active"])
    else:  # created_by is set to NULL: the key must not pass for an operator's
        bob.delete()
    refused = get(client, f"Bearer {bobs_key}", NEIGHBOUR)
    assert refused.status_code == 401
    assert refused.json()["code"] == "creator_left"
    assert "no longer a member" in refused.json()["message"]
    order = make_order(company)
    assert cancel(client, bobs_key, order).status_code == 401
    assert Order.objects.get(pk=order.pk).cancelled_at is None


def test_an_operators_key_has_no_creator_and_acts_as_an_admin(client, company):
    _row, key = keys.create_key(company=company, name="curl", created_by=None)
    order = make_order(company)
    assert cancel(client, key, order).status_code == 200


def test_a_membership_elsewhere_does_not_keep_the_key(
    client, company, other_company, bob, bobs_key
):
    """Bob moving to Bravo leaves Acme's key without a creator in Acme."""
    Membership.objects.filter(user=bob, company=company).delete()
    Membership.objects.create(user=bob, company=other_company, role=Membership.Role.OWNER)
    assert get(client, f"Bearer {bobs_key}", NEIGHBOUR).json()["code"] == "creator_left"
