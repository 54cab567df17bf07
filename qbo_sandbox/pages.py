"""HTML pages from string.Template files (no Jinja here); callers escape what they insert."""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path
from string import Template

from werkzeug.wrappers import Response

TEMPLATES = Path(__file__).parent / "templates"
NAV = '<a href="/">Companies</a><a href="/ui/faults">Fault switches</a>'


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def fill(name: str, **values: object) -> str:
    return template(name).substitute({key: str(value) for key, value in values.items()})


def page(
    title: str, content: str, *, message: str = "", nav: str = NAV, status: int = 200
) -> Response:
    notice = f'<p class="notice">{escape(message)}</p>' if message else ""
    html = fill("layout.html", title=escape(title), nav=nav, message=notice, content=content)
    return Response(html, status=status, mimetype="text/html")


def error_page(heading: str, detail: str, code: str, status: int = 400) -> Response:
    content = fill("error.html", heading=escape(heading), detail=escape(detail), code=escape(code))
    return page(heading, content, status=status, nav="")


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
