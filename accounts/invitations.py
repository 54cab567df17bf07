"""Inviting people to a company: create and email the link, accept it once, revoke it."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Company, Invitation, Membership, User

logger = logging.getLogger(__name__)

VALID_FOR = timedelta(days=7)


class InvitationUnavailable(Exception):
    """The link was used already, revoked, or has expired."""


class WrongAccount(Exception):
    """The signed-in account isn't the invited address: only the invitee may accept."""


class AccountExists(Exception):
    """Someone has an account with the invited address already: they log in to accept."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def roles_for(membership: Membership) -> list[tuple[str, str]]:
    """The roles this member may give: owners any, admins admin or member, members none."""
    if membership.role == Membership.Role.OWNER:
        return list(Membership.Role.choices)
    if membership.role == Membership.Role.ADMIN:
        return [(v, label) for v, label in Membership.Role.choices if v != Membership.Role.OWNER]
    return []


@transaction.atomic
def create_invitation(
    *, company: Company, email: str, role: str, invited_by: User
) -> tuple[Invitation, str]:
    """A new invitation (replacing an open one to the same address) and its secret token."""
    email = email.strip().lower()
    # One invitation change per company at a time: two submits of the invite form at once
    # would otherwise both find nothing to replace and collide on the one-open-link rule.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    now = timezone.now()
    Invitation.objects.filter(
        company=company, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        company=company,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    return invitation, token


def send_invitation(invitation: Invitation, accept_url: str) -> bool:
    """Email the link; False if the mail server refused (the inviter can send it again)."""
    context = {"invitation": invitation, "accept_url": accept_url}
    subject = render_to_string("accounts/invitation_email_subject.txt", context).strip()
    body = render_to_string("accounts/invitation_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:
        logger.exception("could not email invitation %s", invitation.pk)
        return False
    return True


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link points at, whatever its state (None for an unknown token)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("company", "invited_by")
        .filter(token_hash=_hash(token))
        .first()
    )


def is_for(invitation: Invitation, user: User) -> bool:
    """Whether this account has the invited address (addresses compare case-insensitively)."""
    return user.email.casefold() == invitation.email.casefold()


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Use the invitation for this user: the membership, once (an existing one is kept)."""
    # Whoever holds the link is not necessarily the invitee: a forwarded email, a shared
    # screen. The invitation admits the account with the invited address and no other.
    if not is_for(invitation, user):
        raise WrongAccount(invitation.pk)
    now = timezone.now()
    # The conditional UPDATE is what makes the link single-use, even for two clicks at once.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        raise InvitationUnavailable(invitation.pk)
    membership, _ = Membership.objects.get_or_create(
        user=user, company_id=invitation.company_id, defaults={"role": invitation.role}
    )
    return membership


@transaction.atomic
def accept_as_new_user(invitation: Invitation, *, full_name: str, password: str) -> User:
    """Create the invitee's account with the invited address, and accept for it."""
    # A second submit of the join form waits here for the first, then finds the link used.
    current = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if current is None or not current.is_usable:
        raise InvitationUnavailable(invitation.pk)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountExists(invitation.email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(invitation.email, password, full_name=full_name)
    except IntegrityError:  # an account made with the address a moment ago
        raise AccountExists(invitation.email) from None
    accept_invitation(invitation, user)
    return user


def revoke_invitation(invitation: Invitation) -> bool:
    """Make an open invitation's link stop working."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )
