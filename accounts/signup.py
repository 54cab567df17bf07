"""Signing up (a user and a company they own), and starting another company later.

Sign-up gives the same answer for every address: "check your email". A new address gets a
signed link to choose a password, which makes the account; the owner of an existing
account gets a note that someone tried to sign up with it. So the form never tells a
stranger whether an address has an account.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import throttle
from accounts.forms import ChoosePasswordForm, CompanyForm, SignUpForm
from accounts.middleware import SESSION_KEY
from accounts.models import Company, Membership, User
from accounts.notifications import site_link

logger = logging.getLogger(__name__)

SALT = "accounts.signup"
LINK_VALID_FOR = 3 * 24 * 3600  # seconds


class AccountExists(Exception):
    """The address got an account since the link was sent."""


def create_company(*, owner: User, name: str) -> Company:
    """A new company, owned by `owner`."""
    company = Company.objects.create(name=name)
    Membership.objects.create(user=owner, company=company, role=Membership.Role.OWNER)
    return company


def request_sign_up(*, email: str, full_name: str, company_name: str) -> None:
    """Email the sign-up link, or tell the address's owner someone tried to sign up."""
    if User.objects.filter(email__iexact=email).exists():
        # As long as making an account's password hash would take, so timing tells nothing.
        make_password(None)
        context = {"email": email, "login_url": site_link(reverse("accounts:login"))}
        context["reset_url"] = site_link(reverse("accounts:password_reset"))
        _send(email, "registration/signup_exists_email.txt", context)
        return
    token = signing.dumps(
        {"email": email, "full_name": full_name, "company_name": company_name}, salt=SALT
    )
    link = site_link(reverse("accounts:signup_finish", args=[token]))
    _send(email, "registration/signup_email.txt", {"email": email, "link": link})


def _send(email: str, template: str, context: dict) -> None:
    subject, body = render_to_string(template, context).split("\n", 1)
    try:
        send_mail(subject.strip(), body.lstrip(), settings.DEFAULT_FROM_EMAIL, [email])
    except Exception:  # the page says the same either way; they can ask again
        logger.exception("could not send a sign-up email")


def read_link(token: str) -> dict | None:
    """The sign-up a link carries, or None if it is forged or older than three days."""
    try:
        return signing.loads(token, salt=SALT, max_age=LINK_VALID_FOR)
    except signing.BadSignature:
        return None


@transaction.atomic
def create_account(
    *, email: str, full_name: str, password: str, company_name: str
) -> tuple[User, Company]:
    """The user and a company they own."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:  # the link was used a moment ago (or the address joined)
        raise AccountExists(email) from None
    return user, create_company(owner=user, name=company_name)


@require_http_methods(["GET", "POST"])
@throttle.limited("signup", "email")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request_sign_up(**form.cleaned_data)
        return render(
            request, "registration/signup_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "registration/signup.html", {"form": form})


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def finish_sign_up(request, token: str):
    """The emailed link: choose a password, and the account and company are made."""
    signup = read_link(token)
    if signup is None:
        return render(request, "registration/signup_link_invalid.html", status=410)
    if User.objects.filter(email__iexact=signup["email"]).exists():
        return render(request, "registration/signup_link_invalid.html", {"used": True}, status=410)
    form = ChoosePasswordForm(
        request.POST or None, email=signup["email"], full_name=signup["full_name"]
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, company = create_account(**signup, password=form.cleaned_data["password1"])
        except AccountExists:
            return render(
                request, "registration/signup_link_invalid.html", {"used": True}, status=410
            )
        login(request, user)
        request.session[SESSION_KEY] = company.pk
        messages.success(
            request,
            f"Welcome to qbsync. Connect QuickBooks to start sending {company.name}'s invoices.",
        )
        return redirect("home")
    context = {"form": form, "signup": signup}
    return render(request, "registration/signup_finish.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_company(request):
    """Start another company (or a first one, for someone whose memberships all ended)."""
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            company = create_company(owner=request.user, name=form.cleaned_data["name"])
        request.session[SESSION_KEY] = company.pk
        messages.success(request, f"{company.name} is ready. Connect QuickBooks to start.")
        return redirect("home")
    return render(request, "accounts/company_form.html", {"form": form})
