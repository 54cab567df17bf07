from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.core.exceptions import ValidationError

from accounts.inputs import column_field
from accounts.models import Company, Invitation, Membership, User


class EmailAuthenticationForm(AuthenticationForm):
    """Log in by email; addresses are stored lower-case, so match them that way."""

    username = column_field(
        User,
        "email",
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


def password_help() -> str:
    """The password rules in one sentence (Django's own help is a bulleted list)."""
    min_length = 8
    for validator in password_validation.get_default_password_validators():
        min_length = getattr(validator, "min_length", min_length)
    return (
        f"At least {min_length} characters; not all digits, not a common password, "
        "and not too close to your name or email."
    )


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    password1, password2 = SetPasswordMixin.create_password_fields(label2="Password again")
    password1.help_text = password_help()
    password2.help_text = ""
    return password1, password2


class SignUpForm(forms.Form):
    """Who is signing up, and their company. The password comes after the emailed link, so
    the answer is the same whether or not the address has an account already."""

    full_name = column_field(
        User,
        "full_name",
        label="Your name",
        required=True,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    email = column_field(
        User,
        "email",
        label="Email address",
        help_text="We email you a link to choose your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    company_name = column_field(
        Company,
        "name",
        label="Company name",
        help_text="Your business. You can invite your team to it afterwards.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_company_name(self) -> str:
        return self.cleaned_data["company_name"].strip()


class ChoosePasswordForm(SetPasswordMixin, forms.Form):
    """The password for an account about to be made for `email` (sign-up's second step)."""

    password1, password2 = _password_fields()

    def __init__(self, *args, email: str, full_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = User(email=email, full_name=full_name)

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return super().clean()


class InvitationForm(forms.Form):
    email = column_field(
        Invitation,
        "email",
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        help_text="Admins can connect QuickBooks and invite people; members work with orders.",
    )

    def __init__(self, *args, company: Company, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["role"].choices = roles
        self.fields["role"].initial = Membership.Role.MEMBER

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(company=self.company, user__email__iexact=email).exists():
            raise ValidationError(
                "%(email)s is already a member of %(company)s.",
                code="member",
                params={"email": email, "company": self.company.name},
            )
        return email


class AcceptInvitationForm(SetPasswordMixin, forms.Form):
    """The invitee's new account: the invited address, their name and a password."""

    full_name = column_field(
        User,
        "full_name",
        label="Your name",
        required=True,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    password1, password2 = _password_fields()

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        self.validate_passwords()
        cleaned = super().clean()
        self.validate_password_for_user(
            User(email=self.email, full_name=cleaned.get("full_name", ""))
        )
        return cleaned


class NewPasswordForm(SetPasswordForm):
    """Setting a password from a reset link, with the rules in one sentence."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help()
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help()
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""


class ResetPasswordForm(PasswordResetForm):
    email = column_field(
        User,
        "email",
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def save(self, **kwargs) -> None:
        # The link points at SITE_URL, never at the request's Host header: a forged Host
        # would otherwise send the victim's reset token to the forger's server.
        site = urlsplit(settings.SITE_URL)
        kwargs.update(domain_override=site.netloc, use_https=site.scheme == "https")
        super().save(**kwargs)


class CompanyForm(forms.Form):
    name = column_field(
        Company,
        "name",
        label="Company name",
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autofocus": True}),
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
