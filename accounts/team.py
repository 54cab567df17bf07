"""The team page, invitations (send, revoke, accept) and switching between companies."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import invitations
from accounts.decorators import company_required
from accounts.forms import AcceptInvitationForm, InvitationForm
from accounts.inputs import parse_id
from accounts.middleware import SESSION_KEY
from accounts.models import Invitation, Membership, User
from accounts.notifications import site_link

ROLE_ORDER = {Membership.Role.OWNER: 0, Membership.Role.ADMIN: 1, Membership.Role.MEMBER: 2}


def _team_page(request, form: InvitationForm | None, status: int = 200):
    company = request.company
    members = sorted(
        Membership.objects.filter(company=company).select_related("user"),
        key=lambda m: (ROLE_ORDER.get(m.role, 9), m.user.email),
    )
    pending = Invitation.objects.filter(
        company=company, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")
    context = {"members": members, "pending": pending, "form": form}
    return render(request, "accounts/team.html", context, status=status)


def _invitation_form(request, data=None) -> InvitationForm | None:
    roles = invitations.roles_for(request.membership)
    return InvitationForm(data, company=request.company, roles=roles) if roles else None


@company_required
@require_GET
def team(request):
    return _team_page(request, _invitation_form(request))


@login_required
@require_POST
def invite(request):
    form = _invitation_form(request, request.POST) if request.company else None
    if form is None:
        return HttpResponseForbidden("Only owners and admins can invite people.")
    if not form.is_valid():
        return _team_page(request, form, status=400)
    invitation, token = invitations.create_invitation(
        company=request.company,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
    )
    link = site_link(reverse("accounts:invitation_accept", args=[token]))
    if invitations.send_invitation(invitation, link):
        messages.success(request, f"Invitation sent to {invitation.email}.")
    else:
        messages.warning(
            request,
            f"The email to {invitation.email} couldn't be sent. Send them this link yourself "
            f"(it works once, for 7 days): {link}",
        )
    return redirect("accounts:team")


@login_required
@require_POST
def revoke(request, pk: int):
    if request.company is None or not request.membership.can_manage:
        return HttpResponseForbidden("Only owners and admins can revoke invitations.")
    invitation = get_object_or_404(Invitation, pk=pk, company=request.company)
    if invitations.revoke_invitation(invitation):
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("accounts:team")


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The emailed link: join as the signed-in user, or create the invited account."""
    invitation = invitations.find_invitation(token)
    if invitation is None:
        raise Http404("No such invitation")
    if not invitation.is_usable:
        return _unavailable(request, invitation)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        context = {"invitation": invitation, "must_log_in": True}
        return render(request, "accounts/invitation_accept.html", context)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept_as_new_user(
                invitation,
                full_name=form.cleaned_data["full_name"].strip(),
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationUnavailable:
            return _unavailable(request, None)
        except invitations.AccountExists:
            context = {"invitation": invitation, "must_log_in": True}
            return render(request, "accounts/invitation_accept.html", context)
        login(request, user)
        return _joined(request, invitation)
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


def _unavailable(request, invitation: Invitation | None):
    context = {"invitation": invitation}
    return render(request, "accounts/invitation_unavailable.html", context, status=410)


def _accept_signed_in(request, invitation: Invitation):
    if not invitations.is_for(invitation, request.user):
        context = {"invitation": invitation, "wrong_account": True}
        return render(request, "accounts/invitation_accept.html", context, status=403)
    if request.method == "GET":
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation})
    try:
        invitations.accept_invitation(invitation, request.user)
    except invitations.InvitationUnavailable:
        return _unavailable(request, None)
    return _joined(request, invitation)


def _joined(request, invitation: Invitation):
    request.session[SESSION_KEY] = invitation.company_id
    messages.success(request, f"You joined {invitation.company.name}.")
    return redirect("home")


def _back_to(request) -> str:
    """The page the switch was made from, if it makes sense in any company (a list, not
    one order of the old company); else the dashboard."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return reverse("home")
    path = urlsplit(target).path
    try:
        match = resolve(path)
    except Resolver404:
        return reverse("home")
    return path if not match.kwargs else reverse("home")


@login_required
@require_POST
def switch_company(request):
    company_id = parse_id(request.POST.get("company"))
    membership = (
        Membership.objects.filter(user=request.user, company_id=company_id)
        .select_related("company")
        .first()
        if company_id
        else None
    )
    if membership is None:
        messages.error(request, "You are not a member of that company.")
        return redirect("home")
    request.session[SESSION_KEY] = membership.company_id
    messages.success(request, f"You are now working in {membership.company.name}.")
    return redirect(_back_to(request))
