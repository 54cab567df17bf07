"""A Content-Security-Policy on every page, and templates that need no inline script or style
(the browser suite fails on any violation the browser reports)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = [
    (re.compile(r"<style", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/admin/login/"])
def test_anonymous_pages_carry_the_policy(client, path):
    directives = policy(client.get(path))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in str(directives) and "unsafe-eval" not in str(directives)


@pytest.mark.parametrize("path", ["/", "/orders/new/", "/settings/quickbooks/", "/team/"])
def test_signed_in_pages_carry_the_policy(client, user, company, path):
    client.force_login(user)
    assert policy(client.get(path))["script-src"] == "'self'"


def test_no_template_has_inline_script_or_style():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in TEMPLATES.rglob("*.html")
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_htmx_is_told_not_to_inject_its_indicator_style(client, user, company):
    client.force_login(user)
    page = client.get("/").text
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false""" in page
