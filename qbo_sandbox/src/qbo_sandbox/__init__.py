"""A local emulator of Intuit OAuth2 and the QuickBooks Online Accounting API v3.

A standalone WSGI app (Werkzeug). It imports nothing from the Django project, so
it can run on its own (`python -m qbo_sandbox`) or in-process for tests
(`qbo_sandbox.testing.SandboxServer`). See README.md in this package.
"""

__version__ = "1.0.0"
