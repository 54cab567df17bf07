"""The QuickBooks pages, Intuit's callback and Disconnect URL, and the webhook receiver.

Include them where the project wants them (qbsync: at the root). QBO_REDIRECT_URI must be
the address of `qbo:callback` exactly, as registered with Intuit.
"""

from django.urls import path

from qbo import views

app_name = "qbo"

urlpatterns = [
    path("settings/quickbooks/", views.quickbooks_settings, name="settings"),
    path("settings/quickbooks/connect/", views.connect, name="connect"),
    path("settings/quickbooks/callback/", views.callback, name="callback"),
    path("settings/quickbooks/disconnect/", views.disconnect, name="disconnect"),
    path("settings/quickbooks/sync/", views.sync_now, name="sync"),
    path("settings/quickbooks/sync-status/", views.sync_status, name="sync_status"),
    path("quickbooks/disconnected/", views.disconnected, name="disconnected"),
    path("quickbooks/webhooks/", views.webhook, name="webhook"),
]
