"""Idempotency-Key: the same key and body replay the first answer (even while it runs); a
different body is a 409; keys are kept 24 hours."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from api.idempotency import purge_expired
from api.models import IdempotencyRecord
from invoicing.models import Order
from tests.api.conftest import order_body

pytestmark = pytest.mark.django_db


def test_the_same_key_and_body_replay_the_first_answer(api, company):
    first = api.post("/api/v1/orders/", order_body(), idempotency_key="k-1")
    again = api.post("/api/v1/orders/", order_body(), idempotency_key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(company=company).count() == 1


def test_the_same_key_with_another_body_is_a_conflict(api, company):
    api.post("/api/v1/orders/", order_body(), idempotency_key="k-2")
    other = api.post("/api/v1/orders/", order_body(memo="changed"), idempotency_key="k-2")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert Order.objects.filter(company=company).count() == 1


def test_a_refusal_is_replayed_too(api, company):
    bad = order_body(lines=[{"description": "x", "quantity": "0", "unit_price": "1"}])
    first = api.post("/api/v1/orders/", bad, idempotency_key="k-3")
    again = api.post("/api/v1/orders/", bad, idempotency_key="k-3")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_every_post_needs_a_key(api, company):
    response = api.post("/api/v1/orders/", order_body(), idempotency_key=None)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("required", "Idempotency-Key")
    assert not Order.objects.exists()


def test_keys_are_per_company(api, client, bravo_key, company, other_company):
    api.post("/api/v1/orders/", order_body(), idempotency_key="shared")
    bravo = client.post(
        "/api/v1/orders/",
        json.dumps(order_body()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bravo_key}",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert bravo.status_code == 201
    assert Order.objects.filter(company=other_company).count() == 1


def test_a_key_older_than_a_day_is_a_new_key(api, company):
    api.post("/api/v1/orders/", order_body(), idempotency_key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = api.post("/api/v1/orders/", order_body(memo="new"), idempotency_key="old")
    assert again.status_code == 201
    assert Order.objects.filter(company=company).count() == 2


def test_the_purge_forgets_keys_older_than_a_day(api, company):
    api.post("/api/v1/orders/", order_body(), idempotency_key="a")
    api.post("/api/v1/orders/", order_body(), idempotency_key="b")
    IdempotencyRecord.objects.filter(key="a").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_while_the_first_runs_waits_for_its_answer(acme_key, company):
    """Eight requests with one key at once (a barrier, real PostgreSQL): one order, and every
    answer is the first one."""
    barrier, answers = threading.Barrier(8), []

    def send():
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/orders/",
                json.dumps(order_body()),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {acme_key}",
                HTTP_IDEMPOTENCY_KEY="same-click",
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Order.objects.filter(company=company).count() == 1
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_gives_up_waiting_with_a_409_and_retry_after(acme_key, company, settings):
    """While another transaction holds the key's row (the first request, still running), a
    repeat waits API_IDEMPOTENCY_WAIT, then says so; nothing is made."""
    settings.API_IDEMPOTENCY_WAIT = 0.5
    client = Client()
    body = json.dumps(order_body())
    headers = {"HTTP_AUTHORIZATION": f"Bearer {acme_key}", "HTTP_IDEMPOTENCY_KEY": "slow-one"}
    IdempotencyRecord.objects.create(
        company=company, key="slow-one", fingerprint="?", created_at=timezone.now()
    )
    holding, release = threading.Event(), threading.Event()

    def first_request():
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.select_for_update().get(key="slow-one")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=first_request)
    holder.start()
    try:
        assert holding.wait(10)
        response = client.post("/api/v1/orders/", body, content_type="application/json", **headers)
    finally:
        release.set()
        holder.join()
    assert response.status_code == 409
    assert response.json()["code"] == "in_progress" and response["Retry-After"] == "1"
    assert not Order.objects.exists()
