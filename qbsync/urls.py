from django.contrib import admin
from django.urls import include, path

from qbsync import views

urlpatterns = [
    path("", include("dashboard.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("qbo.urls")),
    path("", include("accounts.urls")),
    path("", include("invoicing.urls")),
    path("", include("customers.urls")),
    path("", include("api.urls")),
    path("", include("events.urls")),
    path("", include("catalog.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "qbsync administration"
admin.site.site_title = "qbsync admin"
