from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from events.models import EVENT_TYPES, WebhookEndpoint


class EndpointForm(forms.Form):
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

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        # Plain http only outside production (a receiver on a development machine).
        if urlsplit(url).scheme != "https" and settings.PRODUCTION:
            raise forms.ValidationError("Use an https:// address.")
        return url
