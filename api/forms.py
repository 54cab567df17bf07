from django import forms

from api.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text="What the key is for, such as “Web shop checkout”.",
    )
