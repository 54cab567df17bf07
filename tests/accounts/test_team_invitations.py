"""Inviting people to a company: the email, the single-use expiring link, roles, revoking."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts import invitations
from accounts.models import Company, Invitation, Membership, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def owner_client(client, user, company):
    client.force_login(user)
    return client


def invite(client, email="dan@example.com", role="member"):
    return client.post("/team/invite/", {"email": email, "role": role})


def emailed_link() -> str:
    message = mail.outbox[-1]
    return re.search(re.escape(settings.SITE_URL) + r"(/invitations/[\w-]+/)", message.body).group(
        1
    )


def join(client, link, full_name="Dan Brown", password=PASSWORD):
    return client.post(link, {"full_name": full_name, "password1": password, "password2": password})


def test_owner_invites_by_email_with_a_single_use_link(owner_client, company):
    response = invite(owner_client, email="Dan@Example.com", role="admin")

    assert response["Location"] == "/team/"
    [message] = mail.outbox
    assert message.to == ["dan@example.com"]
    assert message.subject == "alice@example.com invited you to Acme Supplies on qbsync"
    link = emailed_link()
    invitation = Invitation.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert (invitation.email, invitation.role, invitation.company) == (
        "dan@example.com",
        "admin",
        company,
    )
    team = owner_client.get("/team/").text
    assert "dan@example.com" in team and "Pending" in team


def test_accepting_creates_the_account_and_the_membership(owner_client, client, company):
    invite(owner_client, role="admin")
    link = emailed_link()
    client.logout()

    page = client.get(link)
    assert "Join Acme Supplies" in page.text
    assert 'value="dan@example.com" readonly' in page.text
    response = join(client, link)

    assert response["Location"] == "/"
    dan = User.objects.get(email="dan@example.com")
    assert dan.full_name == "Dan Brown" and dan.check_password(PASSWORD)
    assert Membership.objects.get(user=dan).role == "admin"
    assert client.session["current_company_id"] == company.pk
    assert "You joined Acme Supplies." in client.get("/").text


def test_a_link_works_once(owner_client, client):
    invite(owner_client)
    link = emailed_link()
    client.logout()
    join(client, link)
    client.logout()

    again = join(client, link, full_name="Mallory")

    assert again.status_code == 410
    assert "It was accepted already" in again.text
    assert User.objects.filter(full_name="Mallory").count() == 0


def test_an_expired_link_is_refused(owner_client, client):
    invite(owner_client)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    link = emailed_link()
    client.logout()

    response = join(client, link)

    assert response.status_code == 410
    assert "It expired on" in response.text
    assert not User.objects.filter(email="dan@example.com").exists()


def test_inviting_again_replaces_the_old_link(owner_client, client):
    invite(owner_client)
    first = emailed_link()
    invite(owner_client)
    second = emailed_link()
    client.logout()

    assert "withdrawn, or replaced" in client.get(first).text
    assert join(client, second)["Location"] == "/"


def test_a_revoked_link_stops_working(owner_client, client):
    invite(owner_client)
    link = emailed_link()
    invitation = Invitation.objects.get()

    response = owner_client.post(f"/team/invitations/{invitation.pk}/revoke/")

    assert response["Location"] == "/team/"
    client.logout()
    assert client.get(link).status_code == 410


def test_an_unknown_link_is_not_found(client):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_an_existing_user_logs_in_then_joins(owner_client, client, django_user_model, company):
    dan = django_user_model.objects.create_user(email="dan@example.com", password=PASSWORD)
    invite(owner_client)
    link = emailed_link()
    client.logout()

    page = client.get(link)
    assert "Log in to accept" in page.text
    assert join(client, link).status_code == 200  # no second account for the address
    assert User.objects.filter(email="dan@example.com").count() == 1

    client.force_login(dan)
    assert "Join Acme Supplies" in client.get(link).text
    assert client.post(link)["Location"] == "/"
    assert Membership.objects.get(user=dan, company=company).role == "member"


def test_another_signed_in_account_cannot_accept(owner_client, client, company):
    invite(owner_client, role="admin")
    link = emailed_link()
    erin = User.objects.create_user(email="erin@example.com", password=PASSWORD)
    client.force_login(erin)

    page = client.get(link)
    assert page.status_code == 403
    assert "This invitation is for dan@example.com" in page.text
    assert "you are logged in as erin@example.com" in page.text
    assert 'action="/accounts/logout/"' in page.text
    accepted = client.post(link)

    assert accepted.status_code == 403
    assert not Membership.objects.filter(user=erin).exists()
    assert Invitation.objects.get().is_usable  # still there for Dan
    with pytest.raises(invitations.WrongAccount):
        invitations.accept_invitation(Invitation.objects.get(), erin)
    assert not Membership.objects.filter(user=erin).exists()


def test_the_invited_address_accepts_whatever_its_case(owner_client, client, company):
    invite(owner_client, email="Dan@Example.com")
    link = emailed_link()
    dan = User.objects.create_user(email="dan@example.com", password=PASSWORD)
    User.objects.filter(pk=dan.pk).update(email="DAN@example.COM")  # an older mixed-case row
    client.force_login(dan)

    assert client.post(link)["Location"] == "/"
    assert Membership.objects.get(user=dan, company=company).role == "member"


def test_logging_out_from_the_wrong_account_comes_back_to_the_link(owner_client, client):
    invite(owner_client)
    link = emailed_link()
    client.force_login(User.objects.create_user(email="erin@example.com", password=PASSWORD))

    response = client.post("/accounts/logout/", {"next": link})

    assert response["Location"] == link
    assert "Create your account to accept." in client.get(link).text


def test_members_cannot_invite(client, company):
    member = User.objects.create_user(email="mo@example.com", password=PASSWORD)
    Membership.objects.create(user=member, company=company, role="member")
    client.force_login(member)

    assert "Only owners and admins" in client.get("/team/").text
    assert invite(client).status_code == 403
    assert Invitation.objects.count() == 0


def test_admins_cannot_make_owners(client, company):
    admin = User.objects.create_user(email="ada@example.com", password=PASSWORD)
    Membership.objects.create(user=admin, company=company, role="admin")
    client.force_login(admin)

    response = invite(client, role="owner")

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert Invitation.objects.count() == 0
    assert invite(client, role="admin").status_code == 302


def test_inviting_a_member_again_is_an_error(owner_client, user):
    response = invite(owner_client, email="ALICE@example.com")
    assert response.status_code == 400
    assert "alice@example.com is already a member of Acme Supplies." in response.text


def test_invitations_of_another_company_cannot_be_revoked(owner_client, django_user_model):
    bravo = Company.objects.create(name="Bravo Traders")
    bob = django_user_model.objects.create_user(email="bob@example.com", password=PASSWORD)
    invitation, _ = invitations.create_invitation(
        company=bravo, email="x@example.com", role="member", invited_by=bob
    )
    response = owner_client.post(f"/team/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_team_page_lists_members_and_is_scoped(owner_client, company, django_user_model):
    bravo = Company.objects.create(name="Bravo Traders")
    bob = django_user_model.objects.create_user(email="bob@example.com", password=PASSWORD)
    Membership.objects.create(user=bob, company=bravo, role="owner")
    invitations.create_invitation(
        company=bravo, email="secret@example.com", role="member", invited_by=bob
    )

    page = owner_client.get("/team/").text

    assert "alice@example.com" in page and "Owner" in page
    assert "bob@example.com" not in page and "secret@example.com" not in page


def test_accepting_twice_at_once_makes_one_membership(owner_client, company):
    invite(owner_client)
    invitation = Invitation.objects.get()
    dan = User.objects.create_user(email="dan@example.com", password=PASSWORD)

    invitations.accept_invitation(invitation, dan)
    with pytest.raises(invitations.InvitationUnavailable):
        invitations.accept_invitation(invitation, dan)  # the stale object still looks open

    assert Membership.objects.filter(company=company, user=dan).count() == 1


def test_submitting_the_join_form_twice_makes_one_account(owner_client, company):
    invite(owner_client)
    invitation = Invitation.objects.get()  # both submits loaded it while it was still open

    dan = invitations.accept_as_new_user(invitation, full_name="Dan Brown", password=PASSWORD)
    with pytest.raises(invitations.InvitationUnavailable):
        invitations.accept_as_new_user(invitation, full_name="Dan Brown", password=PASSWORD)

    assert list(User.objects.filter(email="dan@example.com")) == [dan]
    assert Membership.objects.filter(company=company, user=dan).count() == 1


def test_joining_as_an_address_that_just_got_an_account_asks_to_log_in(
    owner_client, client, company
):
    invite(owner_client)
    invitation = Invitation.objects.get()
    User.objects.create_user(email="dan@example.com", password=PASSWORD)  # signed up meanwhile

    with pytest.raises(invitations.AccountExists):
        invitations.accept_as_new_user(invitation, full_name="Mallory", password="x" * 12)

    invitation.refresh_from_db()
    assert invitation.is_usable  # still there for Dan to accept after logging in
    assert not Membership.objects.filter(company=company, user__email="dan@example.com").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inviting_the_same_address_twice_at_once_leaves_one_open_link(user, company):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    errors = []

    def send():
        try:
            barrier.wait()
            invitations.create_invitation(
                company=company, email="dan@example.com", role="member", invited_by=user
            )
        except Exception as exc:  # any failure is the finding
            errors.append(exc)
        finally:
            connection.close()

    for _ in range(10):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    assert Invitation.objects.count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_join_submits_at_once_make_one_account(user, company):
    import threading

    from django.db import connection

    invitation, _ = invitations.create_invitation(
        company=company, email="dan@example.com", role="member", invited_by=user
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def join_once():
        try:
            barrier.wait()
            invitations.accept_as_new_user(invitation, full_name="Dan", password=PASSWORD)
            outcomes.append("joined")
        except invitations.InvitationUnavailable:
            outcomes.append("used")
        except Exception as exc:  # any other failure is the finding
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=join_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["joined", "used"]
    assert User.objects.filter(email="dan@example.com").count() == 1
