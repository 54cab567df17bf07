"""Production refuses to start without its secrets; check --deploy is clean when they're set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "QBSYNC_ENV": "production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "QBO_TOKEN_KEYS": "k1:" + "A" * 43,
    "QBO_ENVIRONMENT": "production",
    "ALLOWED_HOSTS": "qbsync.example.com",
    "QBO_CLIENT_ID": "client",
    "QBO_CLIENT_SECRET": "secret-value",
    "QBO_REDIRECT_URI": "https://qbsync.example.com/settings/quickbooks/callback/",
    "QBO_WEBHOOK_VERIFIER_TOKEN": "a-verifier-token-from-intuit",
    "DATABASE_URL": "sqlite:////tmp/qbsync-deploy-check.sqlite3",
}


def _run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "SECRET_KEY"))}
    env.pop("DEBUG", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "QBO_TOKEN_KEYS", "QBO_CLIENT_SECRET", "QBO_WEBHOOK_VERIFIER_TOKEN"]
)
def test_production_refuses_to_start_without_secret(missing):
    env = dict(PRODUCTION_ENV, **{missing: ""})
    result = _run(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set when QBSYNC_ENV=production" in result.stderr


@pytest.mark.parametrize("environment", ["", "local", "elsewhere"])
def test_production_refuses_to_talk_to_anything_but_intuit(environment):
    env = dict(PRODUCTION_ENV, QBO_ENVIRONMENT=environment)
    if not environment:
        env.pop("QBO_ENVIRONMENT")
    result = _run(env, "check")
    assert result.returncode != 0
    assert "QBO_ENVIRONMENT must be sandbox or production" in result.stderr


def test_deploy_check_refuses_the_local_emulator_whatever_the_settings_say():
    # A project with its own settings module (no QBSYNC_ENV guard) still hears it at deploy.
    env = {"QBSYNC_ENV": "development", "QBO_ENVIRONMENT": "local"}
    result = _run(env, "check", "--deploy")
    assert "qbo.E005" in result.stderr + result.stdout


def test_deploy_check_is_clean_in_production():
    result = _run(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    from django.conf import settings

    if os.environ.get("DEBUG"):
        pytest.skip("DEBUG set in this environment")
    assert settings.DEBUG is False


def test_development_secrets_are_generated_outside_the_repo():
    from django.conf import settings

    if settings.PRODUCTION:
        pytest.skip("production run")
    secrets_file = ROOT / "var" / "dev-secrets.json"
    assert secrets_file.exists()
    assert oct(secrets_file.stat().st_mode)[-3:] == "600"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(secrets_file)], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
