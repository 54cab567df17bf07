"""Shared fixtures and the service markers.

Tests marked postgres / redis / browser need a real PostgreSQL (DATABASE_URL), Redis
(REDIS_URL) or Debian's chromium. On a bare machine they are skipped with a reason; under
CI (QBSYNC_CI=1) a missing service fails them instead, so nothing is silently left out.
"""

import os

import pytest
from django.conf import settings

from tests.support import (
    CHROMIUM,
    connect_through_consent,
    point_settings_at,
    start_sandbox,
    store_connection,
)

pytest_plugins = ["tests.admin_fixtures"]


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if item.get_closest_marker("browser") and not CHROMIUM:
        return "needs Debian's chromium (apt install chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if os.environ.get("QBSYNC_CI") == "1":
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(email="alice@example.com", password="pw-alice-1")


@pytest.fixture
def company(user):
    from accounts.models import Company, Membership

    company = Company.objects.create(name="Acme Supplies")
    Membership.objects.create(user=user, company=company, role=Membership.Role.OWNER)
    return company


@pytest.fixture
def intuit_sandbox_settings(settings):
    """Point the app at Intuit's published sandbox endpoints (faked at the wire by responses)."""
    settings.QBO_ENVIRONMENT = "sandbox"
    settings.QBO_CLIENT_ID = "test-client-id"
    settings.QBO_CLIENT_SECRET = "test-client-secret-value"
    settings.QBO_REDIRECT_URI = "http://testserver/settings/quickbooks/callback/"
    return settings


@pytest.fixture
def connection(company, intuit_sandbox_settings):
    return store_connection(company)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache():
    """Without Redis, tests use a per-process memory cache, not the file cache `make run` uses."""
    from django.test.utils import override_settings

    if settings.REDIS_URL:
        yield
        return
    memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=memory):
        yield


def _clear_cache() -> None:
    from django.core.cache import cache

    from qbo import throttle

    throttle.clear()
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        for pattern in ("*qbo:*", "*throttle:*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no locks, doorbells, pauses or cached discovery documents."""
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _in_memory_broker():
    """Unit tests publish to an in-memory broker that no worker reads.

    Tests that run real Celery workers point the app back at Redis themselves.
    """
    from qbsync.celery import app

    configured = app.conf.broker_url
    app.conf.broker_url = "memory://"
    yield
    app.conf.broker_url = configured


@pytest.fixture
def published_tasks():
    """(task name, args) of every Celery message published during the test."""
    from celery.signals import before_task_publish

    published: list[tuple[str, tuple]] = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)


# --- the local QBO sandbox, in-process over real HTTP ----------------------------------------


@pytest.fixture
def qbo(settings):
    """The local QBO sandbox on a free 127.0.0.1 port; the app's settings point at it."""
    server = start_sandbox()
    point_settings_at(settings, server)
    yield server
    server.stop()


@pytest.fixture
def sandbox_realm(qbo) -> str:
    return next(iter(qbo.state.companies))


@pytest.fixture
def connected(client, user, company, qbo, sandbox_realm):
    """Alice's company connected to the sandbox's first company through the real flow."""
    from qbo.models import QuickBooksConnection

    client.force_login(user)
    response = connect_through_consent(client, qbo, realm_id=sandbox_realm)
    assert response.status_code == 302
    return QuickBooksConnection.objects.get(company=company)


# --- the whole system: sandbox, worker --------------------------------------------------------


@pytest.fixture
def live_sandbox(live_server, settings):
    """The local QBO sandbox, redirecting consent to the live server and (when it can)
    delivering webhooks to it, signed with the verifier token the app checks."""
    callback = f"{live_server.url}/settings/quickbooks/callback/"
    options: dict = {"redirect_uris": [callback]}
    options.update(
        webhook_url=f"{live_server.url}/quickbooks/webhooks/",
        webhook_window=0.5,
        webhook_retry_scale=0.01,
    )
    server = start_sandbox(**options)
    point_settings_at(settings, server)
    settings.QBO_REDIRECT_URI = callback
    yield server
    server.stop()


@pytest.fixture
def celery_worker():
    """A real Celery worker in this process, reading the in-memory broker the app publishes to."""
    from celery.contrib.testing.worker import start_worker

    from qbsync.celery import app

    # Earlier tests published messages no worker read: they are not for this test.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(app.conf.task_default_queue, durable=True)
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(
        app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield worker
