"""The live-webhook fixture the QuickBooks core's tests use (a worker, the live app)."""

from tests.qbo.test_webhooks_live import live_connected  # noqa: F401 - a fixture
