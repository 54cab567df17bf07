import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from qbsync.celery import app

    # A broker nobody listens on (port 1), as when Redis is down.
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_down():
    script = (
        "import django, json; django.setup();"
        "from django.test import RequestFactory; from qbsync.views import healthz;"
        "r = healthz(RequestFactory().get('/healthz'));"
        "print(r.status_code, r.content.decode())"
    )
    env = dict(os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    env["DJANGO_SETTINGS_MODULE"] = "qbsync.settings"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, _, body = result.stdout.strip().rpartition("\n")[2].partition(" ")
    assert status == "503", result.stderr
    assert json.loads(body)["database"] == "down"
