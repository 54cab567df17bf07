"""A small requests-based client for the sandbox's control API (/_control/...)."""

from __future__ import annotations

import requests

KEY_HEADER = "X-Sandbox-Key"


class ControlError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class ControlClient:
    def __init__(self, base_url: str, key: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers[KEY_HEADER] = key

    def _call(
        self, method: str, endpoint: str, body: dict | None = None, params: dict | None = None
    ) -> dict:
        response = self.session.request(
            method,
            f"{self.base_url}/_control{endpoint}",
            json=body,
            params={k: v for k, v in (params or {}).items() if v is not None},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise ControlError(response.status_code, response.text)
        return response.json()

    # --- state ---------------------------------------------------------------------------
    def reset(self, *, default_company: bool = True) -> list[dict]:
        return self._call("POST", "/reset", {"default_company": default_company})["companies"]

    def companies(self) -> list[dict]:
        return self._call("GET", "/companies")["companies"]

    def create_company(
        self,
        name: str | None = None,
        country: str = "US",
        custom_txn_numbers: bool = False,
        seed: bool = True,
        features: dict | None = None,
    ) -> str:
        body = {
            "name": name,
            "country": country,
            "custom_txn_numbers": custom_txn_numbers,
            "seed": seed,
            "features": features,
        }
        return self._call("POST", "/companies", body)["realm_id"]

    def seed_customers(self, realm: str, n: int) -> dict:
        return self._call("POST", f"/companies/{realm}/customers", {"count": n})

    def seed_items(self, realm: str, n: int, *, inactive_every: int = 0) -> dict:
        """Add n generated items (Service/NonInventory/Inventory, a third in categories)."""
        body = {"count": n, "inactive_every": inactive_every}
        return self._call("POST", f"/companies/{realm}/items", body)

    def seed_payments(self, realm: str, n: int) -> dict:
        """Add n generated invoices, each with a payment (two in three paid in full)."""
        return self._call("POST", f"/companies/{realm}/payments", {"count": n})

    def add_bundle(
        self, realm: str, name: str, components: list[dict], *, description: str = "", sku: str = ""
    ) -> dict:
        """A Group item (QBO's API can't create one): components [{"item": id, "qty": n}]."""
        body = {"name": name, "components": components, "description": description, "sku": sku}
        return self._call("POST", f"/companies/{realm}/bundles", body)["Item"]

    def set_features(self, realm: str, **features: object) -> dict:
        """Turn company features on/off (README "Company features"); answers the
        Preferences and currencies afterwards."""
        return self._call("POST", f"/companies/{realm}/features", features)

    def features(self, realm: str) -> dict:
        return self._call("GET", f"/companies/{realm}/features")

    def changes(self, realm: str, entity: str | None = None) -> list[dict]:
        return self._call("GET", f"/companies/{realm}/changes", params={"entity": entity})[
            "changes"
        ]

    # --- clock and tokens ------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> str:
        return self._call("POST", "/clock", {"advance": seconds})["now"]

    def set_clock(self, iso: str) -> str:
        return self._call("POST", "/clock", {"set": iso})["now"]

    def clock(self) -> dict:
        return self._call("GET", "/clock")

    def set_token_mode(self, mode: str) -> str:
        return self._call("POST", "/token-mode", {"mode": mode})["mode"]

    def expire_access_tokens(self, realm: str) -> int:
        return self._call("POST", f"/companies/{realm}/tokens/expire-access")["affected"]

    def expire_refresh_tokens(self, realm: str) -> int:
        return self._call("POST", f"/companies/{realm}/tokens/expire-refresh")["affected"]

    def revoke_tokens(self, realm: str) -> int:
        return self._call("POST", f"/companies/{realm}/tokens/revoke")["affected"]

    def merge_customers(self, realm: str, merged_id: str, into_id: str) -> dict:
        """Merge customer `merged_id` into `into_id`; returns the surviving customer."""
        body = {"into": into_id}
        return self._call("POST", f"/companies/{realm}/customers/{merged_id}/merge", body)[
            "Customer"
        ]

    # --- throttling and faults ---------------------------------------------------------------
    def set_limits(
        self,
        requests_per_minute: int | None = None,
        max_concurrent: int | None = None,
        *,
        batch_requests_per_minute: int | None = None,
        requests_per_second: int | None = None,
    ) -> dict:
        body = {
            "requests_per_minute": requests_per_minute,
            "max_concurrent": max_concurrent,
            "batch_requests_per_minute": batch_requests_per_minute,
            "requests_per_second": requests_per_second,
        }
        return self._call("POST", "/limits", body)

    def latency(self) -> dict:
        return self._call("GET", "/latency")

    def set_latency(self, scale: float) -> dict:
        """Scale Intuit-like answer times (1: as Intuit, 0: off)."""
        return self._call("POST", "/latency", {"scale": scale})

    def limits(self) -> dict:
        return self._call("GET", "/limits")

    def in_flight(self, realm: str) -> int:
        return self._call("GET", f"/companies/{realm}/in-flight")["in_flight"]

    def add_fault(
        self,
        path_regex: str,
        kind: str,
        count: int | None = None,
        percent: float | None = None,
        status: int | None = None,
        seconds: float | None = None,
        method: str | None = None,
    ) -> int:
        body = {
            "path_regex": path_regex,
            "kind": kind,
            "count": count,
            "percent": percent,
            "status": status,
            "seconds": seconds,
            "method": method,
        }
        return self._call("POST", "/faults", body)["id"]

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def release_hung(self) -> None:
        self._call("POST", "/faults/release")

    # --- request log ---------------------------------------------------------------------------
    def request_log(
        self,
        realm: str | None = None,
        path: str | None = None,
        method: str | None = None,
        requestid: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        params = {
            "realm": realm,
            "path": path,
            "method": method,
            "requestid": requestid,
            "limit": limit,
        }
        return self._call("GET", "/requests", params=params)["requests"]

    def clear_request_log(self) -> None:
        self._call("DELETE", "/requests")

    # --- webhooks --------------------------------------------------------------------------------
    def webhooks(self) -> dict:
        """Settings (url, format, window, retry_scale), paused, chaos and what is queued."""
        return self._call("GET", "/webhooks")

    def set_webhooks(
        self,
        url: str | None = None,
        format: str | None = None,
        window: float | None = None,
        retry_scale: float | None = None,
    ) -> dict:
        """Change only what is given; url="" turns webhooks off."""
        body = {"url": url, "format": format, "window": window, "retry_scale": retry_scale}
        return self._call("POST", "/webhooks", {k: v for k, v in body.items() if v is not None})

    def pause_webhooks(self) -> dict:
        return self._call("POST", "/webhooks/pause")

    def resume_webhooks(self) -> dict:
        return self._call("POST", "/webhooks/resume")

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Deliver what is waiting now (one attempt each); False if it did not finish in time."""
        return self._call("POST", "/webhooks/flush", {"timeout": timeout})["flushed"]

    def set_webhook_chaos(self, drop: float = 0, duplicate: float = 0, reorder: float = 0) -> dict:
        body = {"drop": drop, "duplicate": duplicate, "reorder": reorder}
        return self._call("POST", "/webhooks/chaos", body)

    def webhook_deliveries(self, realm: str | None = None, limit: int | None = None) -> list[dict]:
        params = {"realm": realm, "limit": limit}
        return self._call("GET", "/webhooks/deliveries", params=params)["deliveries"]

    def clear_webhook_deliveries(self) -> None:
        self._call("DELETE", "/webhooks/deliveries")
