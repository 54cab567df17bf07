"""However far behind the workers fall, a catch-up round never queues a second sync for a
company whose sync from an earlier round hasn't started yet (the scale run's first break:
rounds slower than the interval piled messages up without bound)."""

import pytest

from accounts.models import Company
from qbo import tasks
from qbo.models import QuickBooksConnection

pytestmark = pytest.mark.django_db

SYNC = "qbo.tasks.sync_company"


def _connect(name: str, realm: str, status=QuickBooksConnection.Status.CONNECTED) -> Company:
    company = Company.objects.create(name=name)
    QuickBooksConnection.objects.create(
        company=company, realm_id=realm, environment="local", status=status
    )
    return company


def test_a_round_behind_queues_nothing_twice(published_tasks):
    first, second = _connect("First", "9001"), _connect("Second", "9002")
    _connect("Gone", "9003", status=QuickBooksConnection.Status.DISCONNECTED)
    tasks.catch_up_all_companies()
    tasks.catch_up_all_companies()  # the next round, before any worker took the first
    synced = [args for name, args in published_tasks if name == SYNC]
    assert sorted(synced) == sorted([(first.pk,), (second.pk,)])


def test_once_its_sync_starts_the_next_round_queues_it_again(published_tasks, connected):
    tasks.catch_up_all_companies()
    tasks.sync_company_task(connected.company_id)  # a worker takes it: a real sync
    tasks.catch_up_all_companies()
    synced = [args for name, args in published_tasks if name == SYNC]
    assert synced == [(connected.company_id,), (connected.company_id,)]


WEBHOOK_SYNC = "qbo.tasks.process_webhook_events"


def test_webhooks_queue_one_sync_and_none_while_a_catch_up_is_queued(published_tasks):
    alone, behind = _connect("Alone", "9005"), _connect("Behind", "9006")
    tasks.schedule_webhook_sync(alone.pk)
    tasks.schedule_webhook_sync(alone.pk)  # a second delivery before the first sync starts
    QuickBooksConnection.objects.filter(company=alone).update(
        status=QuickBooksConnection.Status.DISCONNECTED
    )
    tasks.catch_up_all_companies()  # queues Behind's catch-up (Alone is no longer connected)
    tasks.schedule_webhook_sync(behind.pk)  # that queued catch-up will settle it
    assert [args for name, args in published_tasks if name == WEBHOOK_SYNC] == [(alone.pk,)]
    assert [args for name, args in published_tasks if name == SYNC] == [(behind.pk,)]
