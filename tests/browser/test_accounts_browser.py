"""Accounts in real Chromium: sign up from the emailed link, invite someone who joins from the
emailed link, switch companies from the top bar, reset a forgotten password by email."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Company, Membership, User
from tests.browser.support import new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
NEW_PASSWORD = "staple-lantern-orbit-4"


def link_in_last_email(live_server) -> str:
    body = mail.outbox[-1].body
    return re.search(rf"{re.escape(live_server.url)}/\S+", body).group(0)


def test_sign_up_invite_a_colleague_and_switch_companies(browser, page, live_server, shots):
    # Sign up: the link comes by email; choose the password there, a mistake first.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Carol Danvers")
    page.get_by_label("Email address").fill("carol@example.com")
    page.get_by_label("Company name").fill("Carol's Cakes")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shots(page, "sign-up-sent")
    page.goto(link_in_last_email(live_server))
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill("not the same")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("The two password fields didn\u2019t match.")).to_be_visible()
    expect(page.get_by_label("Password again")).to_have_attribute("aria-invalid", "true")
    shots(page, "sign-up-error")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome to qbsync.")).to_be_visible()
    expect(page.get_by_text("Carol's Cakes · Owner")).to_be_visible()
    shots(page, "signed-up-dashboard")

    # Invite Erin as an admin; the link comes by email.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_label("Email address").fill("erin@example.com")
    page.get_by_label("Role").select_option(label="Admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to erin@example.com.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^erin@example.com"))).to_be_visible()
    shots(page, "team-invitation-sent")
    assert mail.outbox[-1].to == ["erin@example.com"]
    invitation_link = link_in_last_email(live_server)

    # Erin opens it in her own browser, creates her account and lands in Carol's company.
    erin = new_page(browser, live_server.url)
    erin.goto(invitation_link)
    expect(erin.get_by_role("heading", name="Join Carol's Cakes")).to_be_visible()
    shots(erin, "invitation-accept")
    erin.get_by_label("Your name").fill("Erin Example")
    erin.get_by_label("Password", exact=True).fill(PASSWORD)
    erin.get_by_label("Password again").fill(PASSWORD)
    erin.get_by_role("button", name="Create account and join").click()
    expect(erin.get_by_text("You joined Carol's Cakes.")).to_be_visible()
    expect(erin.get_by_text("Carol's Cakes · Admin")).to_be_visible()
    shots(erin, "invitee-dashboard")
    erin.goto(invitation_link)
    expect(erin.get_by_role("heading", name="This invitation can't be used")).to_be_visible()
    shots(erin, "invitation-used")
    erin.context.close()

    # Carol works for a second company too: the top bar switches between them, by keyboard.
    carol = User.objects.get(email="carol@example.com")
    second = Company.objects.create(name="Danvers Catering")
    Membership.objects.create(user=carol, company=second, role=Membership.Role.MEMBER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    switcher = page.get_by_label("Company", exact=True)
    expect(switcher).to_have_value(str(carol.memberships.get(role="owner").company_id))
    switcher.focus()
    switcher.select_option(label="Danvers Catering")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Switch")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are now working in Danvers Catering.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/orders/")
    expect(switcher).to_have_value(str(second.pk))
    shots(page, "switched-company")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(
        page.get_by_text("Only owners and admins of Danvers Catering can invite")
    ).to_be_visible()
    shots(page, "team-as-member")


def test_reset_a_forgotten_password_by_email(page, live_server, shots):
    User.objects.create_user("dana@example.com", "old-password-1", full_name="Dana Scully")
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("dana@example.com")
    page.get_by_label("Password").fill("guess-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct email address and password")).to_be_visible()
    shots(page, "login-error")

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill("Dana@Example.com")
    shots(page, "reset-form")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shots(page, "reset-sent")

    page.goto(link_in_last_email(live_server))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    shots(page, "reset-choose")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    shots(page, "reset-done")

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email address").fill("dana@example.com")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="No company yet")).to_be_visible()
    shots(page, "logged-in-without-company")
