"""Docker can't run here, so the compose file is checked by reading it."""

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
WORKERS = ["worker-pushes", "worker-pulls", "worker-webhooks", "worker-housekeeping"]
APP_SERVICES = ["migrate", "web", *WORKERS, "beat"]


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def test_services_present():
    assert {"postgres", "redis", "sandbox", *APP_SERVICES} <= set(SERVICES)


def test_app_services_share_one_image_built_from_the_dockerfile():
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["image"] == "qbsync:latest"
    assert (ROOT / "Dockerfile").exists()


def test_the_sandbox_is_its_own_image_and_not_in_the_apps():
    sandbox = SERVICES["sandbox"]
    assert sandbox["build"] == "./qbo_sandbox" and sandbox["image"] == "qbo-sandbox:latest"
    assert (ROOT / "qbo_sandbox" / "Dockerfile").exists()
    copied = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY")
    ]
    assert not any("qbo_sandbox" in line for line in copied)


def test_dockerfile_copies_paths_that_exist():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _dest = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), source


def test_each_command_refers_to_real_code():
    checks = {
        "migrate": lambda c: c[:2] == ["python", "manage.py"] and (ROOT / "manage.py").exists(),
        "web": lambda c: (
            c[0] == "gunicorn"
            and _module_exists(c[-1])
            and (ROOT / c[c.index("--config") + 1]).exists()
        ),
        **{
            name: lambda c: (
                c[:4] == ["celery", "-A", "qbsync", "worker"] and _module_exists("qbsync.celery")
            )
            for name in WORKERS
        },
        "beat": lambda c: c[:3] == ["celery", "-A", "qbsync"] and "beat" in c,
        "sandbox": lambda c: c[0] == "qbo-sandbox" and "--webhook-url" in c,
    }
    for name, check in checks.items():
        command = [str(part) for part in SERVICES[name]["command"]]
        assert check(command), f"{name}: {command}"


def test_health_checks_and_dependencies():
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in SERVICES[name]
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    for name in ("web", *WORKERS, "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_sandbox_only_in_dev_profile():
    assert SERVICES["sandbox"]["profiles"] == ["dev"]
    for name in ("web", *WORKERS, "beat", "postgres", "redis"):
        assert "profiles" not in SERVICES[name]


def test_environment_names_are_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    for name in APP_SERVICES:
        for variable in SERVICES[name].get("environment", {}):
            assert variable in documented, variable
