"""The control API for tests (clock, faults, limits, logs) and its Python client."""

from qbo_sandbox.control.client import ControlClient, ControlError

__all__ = ["ControlClient", "ControlError"]
