"""Every recorded Intuit exchange (samples/nango_*.json: request + Intuit's answer) replayed
against the sandbox and compared field by field and type by type. A difference fails unless
README.md's "Known differences" lists it (sample, path, kind) with its reason; a listed
difference that no longer happens fails too, so the list stays true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qbo_sandbox.samples import SAMPLES, load_json
from sandbox_support import Api

README = Path(__file__).resolve().parents[1] / "README.md"
ALLOWED = re.compile(r"^- `(nango_[\w.]+\.json)` `([^`]+)`: ([^—]+?) — ", re.M)
RECORDED = sorted(p.name for p in SAMPLES.glob("nango_*.json"))


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string"}[type(value)]


def differences(expected, actual, path="$") -> list[tuple[str, str]]:
    """(path, kind) for each key missing or unexpected, and each JSON type that differs."""
    if _kind(expected) != _kind(actual):
        return [(path, f"type {_kind(expected)} vs {_kind(actual)}")]
    out: list[tuple[str, str]] = []
    if isinstance(expected, dict):
        for key in expected.keys() - actual.keys():
            out.append((f"{path}.{key}", "missing"))
        for key in actual.keys() - expected.keys():
            out.append((f"{path}.{key}", "unexpected"))
        for key in expected.keys() & actual.keys():
            out += differences(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        if bool(expected) != bool(actual):
            return [(path, "empty vs non-empty" if not expected else "non-empty vs empty")]
        for index in range(min(len(expected), len(actual))):
            out += differences(expected[index], actual[index], f"{path}[]")
    return out


def query_differences(expected: dict, actual: dict) -> list[tuple[str, str]]:
    """Rows hold other data than Intuit's company: compare the envelope, and the fields every
    recorded row has (each of ours must have them, with the same types)."""
    rows_key = next(k for k, v in expected["QueryResponse"].items() if isinstance(v, list))
    envelope = {k: v for k, v in expected["QueryResponse"].items() if k != rows_key}
    ours = actual.get("QueryResponse", {})
    out = differences(
        {**envelope, "time": expected["time"]},
        {**{k: v for k, v in ours.items() if k != rows_key}, "time": actual.get("time")},
        "$.QueryResponse",
    )
    recorded_rows = expected["QueryResponse"][rows_key]
    always = set.intersection(*(set(row) for row in recorded_rows))
    for row in ours.get(rows_key, []):
        for key in sorted(always):
            if key not in row:
                out.append((f"$.QueryResponse.{rows_key}[].{key}", "missing"))
            elif _kind(row[key]) != _kind(recorded_rows[0][key]):
                out.append((f"$.QueryResponse.{rows_key}[].{key}", "type"))
    return out


def allowed() -> set[tuple[str, str, str]]:
    return {(m[0], m[1], m[2].strip()) for m in ALLOWED.findall(README.read_text())}


# --- replaying each recorded request ------------------------------------------------------
READ_ONLY = {
    "Id",
    "SyncToken",
    "MetaData",
    "domain",
    "sparse",
    "TotalAmt",
    "Balance",
    "LinkedTxn",
    "DocNumber",
    "InvoiceLink",
    "DeliveryInfo",
    "EmailStatus",
    "UnappliedAmt",
    "FreeFormAddress",
    "ShipFromAddr",
    "FullyQualifiedName",
    "RemainingCredit",
}


def _accounts(api: Api) -> dict[str, str]:
    rows = api.rows("SELECT * FROM Account MAXRESULTS 1000")["Account"]
    return {row["Name"]: row["Id"] for row in rows}


def _map_refs(api: Api, value):
    """A recorded reference to Intuit's company's account, by name, as ours (else Services)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key.endswith("AccountRef") and isinstance(item, dict):
                accounts = _accounts(api)
                name = str(item.get("name", "")).split(":")[0]
                out[key] = {"value": accounts.get(name, accounts["Services"])}
            else:
                out[key] = _map_refs(api, item)
        return out
    if isinstance(value, list):
        return [_map_refs(api, v) for v in value]
    return value


def _like(api: Api, entity: str, recorded: dict) -> dict:
    """Create, in the sandbox, an object like the one Intuit answered with; return ours."""
    keep = {"TotalAmt"} if entity == "Payment" else set()
    body = {k: v for k, v in recorded.items() if k not in READ_ONLY - keep}
    if "Line" in body:
        lines = [line for line in body["Line"] if line["DetailType"] != "SubTotalLineDetail"]
        body["Line"] = [
            {k: v for k, v in line.items() if k not in ("Id", "LinkedTxn", "LineEx")}
            for line in lines
        ]
        for line in body["Line"]:
            line.get("SalesItemLineDetail", {}).pop("ItemAccountRef", None)
    if entity == "Payment":
        body["Line"] = []
    if entity == "Item":
        body["Name"] = f"{body['Name']} (replayed)"
    body = _map_refs(api, body)
    response = api.post(entity.lower(), body)
    assert response.status_code == 200, response.text
    return response.json()[entity]


def _replay(api: Api, name: str):
    recorded = load_json(name)
    request, body = recorded["request"], recorded["request"].get("body")
    entity_path = request["path"].split("/", 4)[4]  # after /v3/company/{realm}/
    answer = recorded["response"]["body"]
    if request["method"] == "GET" and entity_path == "query":
        return api.get("query", query=(request.get("query") or request["params"])["query"])
    if request["method"] == "GET":
        entity, ident = entity_path.split("/")
        if entity in ("invoice", "item", "payment"):
            ident = _like(api, entity.capitalize(), answer[entity.capitalize()])["Id"]
        return api.get(f"{entity}/{ident}")
    if entity_path.endswith("/send"):
        ours = _like(api, "Invoice", answer["Invoice"])
        return api.post(f"invoice/{ours['Id']}/send")
    if body.get("sparse"):
        entity = entity_path.capitalize()
        if entity == "Invoice":
            ours = _like(
                api, "Invoice", load_json("nango_invoice_read.json")["response"]["body"]["Invoice"]
            )
        else:
            ours = api.get(f"{entity_path}/{body['Id']}").json()[entity]
        return api.post(entity_path, {**body, "Id": ours["Id"], "SyncToken": ours["SyncToken"]})
    # A reference sent without a name is mapped by the name Intuit answered with.
    entity = next(key for key in answer if key != "time")
    named = {
        key: {"value": value["value"], "name": answer[entity][key]["name"]}
        for key, value in body.items()
        if isinstance(value, dict) and "name" in answer[entity].get(key, {})
    }
    for key, ref in named.items():
        if key == "VendorRef":  # Intuit's vendor 56 is ours by name (the sample company's)
            escaped = ref["name"].replace("'", "\\'")
            [vendor] = api.rows(f"SELECT * FROM Vendor WHERE DisplayName = '{escaped}'")["Vendor"]
            named[key] = {**ref, "value": vendor["Id"]}
    return api.post(entity_path, _map_refs(api, {**body, **named}))


def test_every_recorded_exchange_is_replayed():
    assert len(RECORDED) >= 20  # the recorded Nango exchanges ship with the package


@pytest.mark.parametrize("name", RECORDED)
def test_the_sandbox_answers_as_intuit_did(api: Api, name):
    recorded = load_json(name)["response"]
    response = _replay(api, name)
    if response.status_code != recorded["status"]:
        found = {("$", f"status {recorded['status']} vs {response.status_code}")}
    elif "QueryResponse" in recorded["body"]:
        found = set(query_differences(recorded["body"], response.json()))
    else:
        body = response.json()
        found = set(differences(recorded["body"], body))
    found = {(name, path, kind) for path, kind in found}
    listed = {entry for entry in allowed() if entry[0] == name}
    assert found - listed == set(), "unlisted differences (fix, or list in README with a source)"
    assert listed - found == set(), "listed in README but no longer different: remove them"
