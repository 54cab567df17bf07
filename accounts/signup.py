"""Signing up (a new user and a company they own), and starting another company later."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import throttle
from accounts.forms import CompanyForm, SignUpForm
from accounts.middleware import SESSION_KEY
from accounts.models import Company, Membership, User


def create_company(*, owner: User, name: str) -> Company:
    """A new company, owned by `owner`."""
    company = Company.objects.create(name=name)
    Membership.objects.create(user=owner, company=company, role=Membership.Role.OWNER)
    return company


@transaction.atomic
def create_account(form: SignUpForm) -> tuple[User, Company]:
    """Save the form's user, and make them the owner of a new company."""
    user = form.save()
    return user, create_company(owner=user, name=form.cleaned_data["company_name"])


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
@throttle.limited("signup", "email")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, company = create_account(form)
        login(request, user)
        request.session[SESSION_KEY] = company.pk
        messages.success(
            request,
            f"Welcome to qbsync. Connect QuickBooks to start sending {company.name}'s invoices.",
        )
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


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
