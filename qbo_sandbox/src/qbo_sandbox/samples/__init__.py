"""Payloads recorded from Intuit by other projects, each with a `.source.txt` naming where it
came from. The sandbox's fidelity tests compare its answers with them; clients may use them
as fixtures."""

import json
from pathlib import Path

SAMPLES = Path(__file__).parent


def path(name: str) -> Path:
    """The file of one sample, e.g. path("invoice.json")."""
    return SAMPLES / name


def load_json(name: str):
    """One JSON sample, parsed."""
    return json.loads(path(name).read_text())
