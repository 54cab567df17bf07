"""The Celery reliability settings hold together (RELIABILITY.md §3)."""

from django.conf import settings

from qbsync.celery import app


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_time_limits_stay_far_below_the_visibility_timeout():
    visibility = 1800
    if settings.REDIS_URL:
        visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_time_limit <= visibility / 4


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task"


def test_broker_follows_redis_url():
    # (The test session itself publishes to memory://; see tests/conftest.py.)
    assert (settings.REDIS_URL or "filesystem://") == settings.CELERY_BROKER_URL
