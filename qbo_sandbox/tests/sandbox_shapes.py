"""Comparing payload shapes (keys, JSON types, envelopes) with the recorded samples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from qbo_sandbox.samples import SAMPLES


def sample(name: str):
    path: Path = SAMPLES / name
    if name.endswith(".json"):
        return json.loads(path.read_text())
    return ET.fromstring(path.read_text())  # noqa: S314 - a checked-in sample


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def assert_same_shape(expected, actual, extra=frozenset(), path="$") -> None:
    """Every key of the sample is there with the same JSON type; nothing else but `extra`."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        missing = expected.keys() - actual.keys()
        assert not missing, f"{path}: missing {sorted(missing)}"
        unexpected = actual.keys() - expected.keys() - set(extra)
        assert not unexpected, f"{path}: unexpected {sorted(unexpected)}"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], extra, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not an array"
        assert bool(expected) == bool(actual), f"{path}: one array is empty"
        for index, item in enumerate(expected):
            assert_same_shape(item, actual[min(index, len(actual) - 1)], extra, f"{path}[{index}]")
    else:
        assert _kind(expected) == _kind(actual), f"{path}: {expected!r} vs {actual!r}"


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def xml_shape(element: ET.Element):
    """An XML element as the JSON QBO would send: attributes and children become keys,
    a reference's text becomes "value", repeated children become a list."""
    children = list(element)
    if not children and not element.attrib:
        return "text"
    out: dict = dict.fromkeys(element.attrib, "text")
    if not children and (element.text or "").strip():
        out["value"] = "text"
    for child in children:
        tag, value = _local(child.tag), xml_shape(child)
        if tag in out:
            out[tag] = (out[tag] if isinstance(out[tag], list) else [out[tag]]) + [value]
        else:
            out[tag] = value
    return out


def assert_same_keys(expected, actual, extra=frozenset(), path="$") -> None:
    """XML samples carry no JSON types: compare keys and nesting only."""
    if isinstance(actual, list) and not isinstance(expected, list):
        expected = [expected]
    if isinstance(expected, list):
        assert isinstance(actual, list) and actual, f"{path}: expected a non-empty array"
        for index, item in enumerate(expected):
            assert_same_keys(item, actual[min(index, len(actual) - 1)], extra, f"{path}[{index}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        missing = expected.keys() - actual.keys()
        assert not missing, f"{path}: missing {sorted(missing)}"
        unexpected = actual.keys() - expected.keys() - set(extra)
        assert not unexpected, f"{path}: unexpected {sorted(unexpected)}"
        for key, value in expected.items():
            assert_same_keys(value, actual[key], extra, f"{path}.{key}")
    else:
        assert not isinstance(actual, dict | list), f"{path}: {actual!r} should be a scalar"
