from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import EmailAuthenticationForm

app_name = "accounts"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/quickbooks/", views.quickbooks_settings, name="quickbooks_settings"),
    path("settings/quickbooks/connect/", views.connect, name="quickbooks_connect"),
    path("settings/quickbooks/callback/", views.callback, name="quickbooks_callback"),
    path("settings/quickbooks/disconnect/", views.disconnect, name="quickbooks_disconnect"),
    path("settings/quickbooks/sync/", views.sync_now, name="quickbooks_sync"),
    path("settings/quickbooks/sync-status/", views.sync_status, name="quickbooks_sync_status"),
    path("quickbooks/disconnected/", views.disconnected, name="quickbooks_disconnected"),
]
