from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import signup, team, throttle
from accounts.forms import (
    ChangePasswordForm,
    EmailAuthenticationForm,
    NewPasswordForm,
    ResetPasswordForm,
)

app_name = "accounts"

password_reset = throttle.limited("password_reset", "email")(
    auth_views.PasswordResetView.as_view(
        form_class=ResetPasswordForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=NewPasswordForm, success_url=reverse_lazy("accounts:password_reset_complete")
)
password_change = auth_views.PasswordChangeView.as_view(
    form_class=ChangePasswordForm, success_url=reverse_lazy("accounts:password_change_done")
)

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", signup.sign_up, name="signup"),
    path("accounts/signup/<str:token>/", signup.finish_sign_up, name="signup_finish"),
    path("accounts/password/reset/", password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/password/change/", password_change, name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="invite"),
    path("team/invitations/<int:pk>/revoke/", team.revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", team.accept, name="invitation_accept"),
    path("companies/switch/", team.switch_company, name="switch_company"),
    path("companies/new/", signup.new_company, name="new_company"),
]
