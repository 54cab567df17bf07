from django.contrib import admin
from django.urls import include, path

from qbsync import dashboard, views

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/sync/", dashboard.sync_card, name="dashboard_sync"),
    path("healthz", views.healthz, name="healthz"),
    path("quickbooks/webhooks/", views.quickbooks_webhook, name="quickbooks_webhook"),
    path("", include("accounts.urls")),
    path("", include("invoicing.urls")),
    path("", include("customers.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "qbsync administration"
admin.site.site_title = "qbsync admin"
