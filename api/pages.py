"""The API keys settings page: owners and admins create, name and revoke their keys."""

from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import company_required
from api import keys
from api.forms import ApiKeyForm
from api.models import ApiKey


def manager_required(view):
    """Owners and admins of the current company only."""

    @company_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_manage:
            return render(request, "invoicing/managers_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@manager_required
def api_keys(request):
    form, new_key = ApiKeyForm(request.POST or None), ""
    if request.method == "POST" and form.is_valid():
        row, new_key = keys.create_key(
            company=request.company, name=form.cleaned_data["name"], created_by=request.user
        )
        # Shown on this answer only (pages for signed-in users are never cached).
        messages.success(request, f"API key “{row.name}” created. Copy it now.")
        form = ApiKeyForm()
    context = {
        "form": form,
        "new_key": new_key,
        "keys": ApiKey.objects.filter(company=request.company).select_related("created_by"),
    }
    return render(request, "api/keys.html", context)


@manager_required
@require_POST
def revoke(request, pk: int):
    key = get_object_or_404(ApiKey, pk=pk, company=request.company)
    if keys.revoke_key(key):
        messages.success(request, f"API key “{key.name}” revoked: requests with it now fail.")
    return redirect("api:keys")
