import pytest

from accounts.models import Membership
from invoicing.forms import InvoicingSettingsForm
from invoicing.models import InvoicingSettings
from invoicing.views import describe_error
from qbo.errors import QuickBooksError, RateLimited, ReconnectNeeded, Rejected, Unavailable

pytestmark = pytest.mark.django_db

CHOICES = {
    "items": [("1", "Services"), ("7", "Hours")],
    "accounts": [("79", "Sales of Product Income")],
    "terms": [("3", "Net 30")],
    "tax_codes": [],
}


def test_members_are_refused_the_settings_page(client, user, company):
    Membership.objects.filter(user=user).update(role=Membership.Role.MEMBER)
    client.force_login(user)
    for response in (client.get("/settings/invoicing/"), client.post("/settings/invoicing/")):
        assert response.status_code == 403
        assert "Only owners and admins" in response.text
    assert not InvoicingSettings.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_owners_and_admins_without_quickbooks_are_told_to_connect(client, user, company, role):
    Membership.objects.filter(user=user).update(role=role)
    client.force_login(user)
    response = client.get("/settings/invoicing/")
    assert response.status_code == 200
    assert "Connect QuickBooks first" in response.text


def test_form_offers_the_quickbooks_choices_and_saves_ids_and_names(company):
    settings = InvoicingSettings(company=company)
    form = InvoicingSettingsForm(
        {"default_item": "7", "income_account": "79", "term": ""},
        choices=CHOICES,
        instance=settings,
    )
    assert form.is_valid(), form.errors
    assert "tax_code" not in form.fields  # no tax codes: a US company
    form.save()
    saved = InvoicingSettings.objects.get(company=company)
    assert (saved.default_item_id, saved.default_item_name) == ("7", "Hours")
    assert (saved.income_account_id, saved.income_account_name) == ("79", "Sales of Product Income")
    assert (saved.term_id, saved.term_name) == ("", "")


def test_form_offers_tax_codes_when_quickbooks_has_them(company):
    choices = CHOICES | {"tax_codes": [("TAX", "Standard 20%")]}
    form = InvoicingSettingsForm(
        {"tax_code": "TAX"}, choices=choices, instance=InvoicingSettings(company=company)
    )
    assert form.is_valid(), form.errors
    assert form.save().tax_code_name == "Standard 20%"


def test_form_refuses_a_choice_quickbooks_did_not_offer(company):
    form = InvoicingSettingsForm(
        {"default_item": "999"}, choices=CHOICES, instance=InvoicingSettings(company=company)
    )
    assert not form.is_valid()
    assert "default_item" in form.errors


def test_form_keeps_a_saved_choice_that_left_quickbooks(company):
    settings = InvoicingSettings.objects.create(
        company=company, default_item_id="55", default_item_name="Old item"
    )
    form = InvoicingSettingsForm(choices=CHOICES, instance=settings)
    assert form["default_item"].value() == "55"
    assert ("55", "Old item (not in QuickBooks)") in form.fields["default_item"].choices
    bound = InvoicingSettingsForm({"default_item": "55"}, choices=CHOICES, instance=settings)
    assert bound.is_valid()
    assert bound.save().default_item_name == "Old item"


def test_quickbooks_errors_are_described_in_plain_words():
    rejected = Rejected("Invalid Reference Id", detail="Item 9 was deleted", intuit_tid="1-ab")
    assert describe_error(rejected) == (
        "QuickBooks refused the request: Invalid Reference Id: Item 9 was deleted"
        " (intuit_tid 1-ab for Intuit support)"
    )
    assert describe_error(ReconnectNeeded("invalid_grant")).startswith("Connect QuickBooks first")
    assert "Try again in a minute" in describe_error(RateLimited("429"))
    assert "didn't answer" in describe_error(Unavailable("timeout"))
    assert describe_error(QuickBooksError("odd")) == "QuickBooks couldn't do that: odd"


def test_form_saves_the_send_automatically_choice(company):
    settings = InvoicingSettings(company=company)
    form = InvoicingSettingsForm(
        {"default_item": "7", "send_after_create": "on"}, choices=CHOICES, instance=settings
    )
    assert form.is_valid(), form.errors
    form.save()
    assert InvoicingSettings.objects.get(company=company).send_after_create is True
    form = InvoicingSettingsForm({"default_item": "7"}, choices=CHOICES, instance=settings)
    assert form.is_valid(), form.errors
    form.save()
    assert InvoicingSettings.objects.get(company=company).send_after_create is False
