from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/sync/", views.sync_card, name="dashboard_sync"),
]
