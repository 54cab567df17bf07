"""Urgent work stays urgent: every task is routed to a declared queue, and every queue has
workers (in compose and in `make run`), so a backlog of imports never delays an invoice."""

import shlex
from pathlib import Path

import yaml
from django.conf import settings

from qbsync.celery import app

ROOT = Path(__file__).resolve().parents[2]
DECLARED = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def _our_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def _queues_read(command: list[str]) -> set[str]:
    for flag in ("--queues", "-Q"):
        if flag in command:
            return set(command[command.index(flag) + 1].split(","))
    return set(DECLARED)  # a worker without -Q reads every declared queue


def test_the_four_queues_are_declared():
    assert {"pushes", "pulls", "webhooks", "housekeeping"} <= DECLARED
    assert settings.CELERY_TASK_DEFAULT_QUEUE in DECLARED


def test_every_registered_task_has_an_explicit_route_to_a_declared_queue():
    tasks = _our_tasks()
    assert "invoicing.tasks.push_company" in tasks and "qbo.tasks.sync_company" in tasks
    for name in tasks:
        assert name in settings.CELERY_TASK_ROUTES, f"{name} has no route"
        # The router Celery itself uses (send_task by name included) agrees.
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in DECLARED, f"{name} goes to undeclared queue {queue}"
        assert queue == settings.CELERY_TASK_ROUTES[name]["queue"]


def test_pushes_never_share_a_queue_with_pulls():
    route = app.amqp.router.route
    pushes = route({}, "invoicing.tasks.push_company")["queue"].name
    assert pushes != route({}, "qbo.tasks.sync_company")["queue"].name
    assert pushes != route({}, "qbo.tasks.catch_up_all_companies")["queue"].name
    webhooks = route({}, "qbo.tasks.process_webhook_events")["queue"].name
    assert webhooks not in {pushes, route({}, "qbo.tasks.sync_company")["queue"].name}


def test_compose_runs_a_worker_for_every_queue_and_pulls_apart_from_pushes():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: [str(part) for part in service["command"]]
        for name, service in services.items()
        if "command" in service and service["command"][:4] == ["celery", "-A", "qbsync", "worker"]
    }
    read = {name: _queues_read(command) for name, command in workers.items()}
    assert set().union(*read.values()) >= DECLARED
    for queues in read.values():
        assert not ({"pushes", "pulls"} <= queues), "pushes would wait behind imports"


def test_make_run_starts_workers_for_every_queue():
    commands = [
        shlex.split(line.split(":", 1)[1])
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # A worker may run at a lower OS priority (`nice -n 10 celery ...`).
    commands = [c[3:] if c[:2] == ["nice", "-n"] else c for c in commands]
    workers = [c for c in commands if c[:4] == ["celery", "-A", "qbsync", "worker"]]
    read = [_queues_read(c) for c in workers]
    assert set().union(*read) >= DECLARED
    assert not any({"pushes", "pulls"} <= queues for queues in read)
