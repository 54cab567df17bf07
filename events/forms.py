from django import forms

from events import addresses
from events.models import EVENT_TYPES, WebhookEndpoint


class PublicUrlMixin:
    """An endpoint's URL passes the production rule (public https addresses) wherever it's set."""

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            addresses.check_public(url)
        except addresses.AddressRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url


class EndpointForm(PublicUrlMixin, forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=WebhookEndpoint._meta.get_field("url").max_length,
        assume_scheme="https",
        help_text="Where qbsync POSTs the events (https).",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EVENT_TYPES,
        widget=forms.CheckboxSelectMultiple,
        initial=[name for name, _ in EVENT_TYPES],
    )
