"""The webhook endpoints settings page: add, test and remove endpoints; see and resend
deliveries. Owners and admins only; everything scoped to the current company."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from api.pages import manager_required
from events import delivery
from events.forms import EndpointForm
from events.models import TEST_EVENT, EventDelivery, WebhookEndpoint
from events.signing import new_secret

LOG_LENGTH = 50


@manager_required
def endpoints(request):
    form, new = EndpointForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        secret = new_secret()
        endpoint = WebhookEndpoint.objects.create(
            company=request.company,
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["event_types"],
            secret_encrypted=delivery.seal_secret(request.company.pk, secret),
        )
        new = {"endpoint": endpoint, "secret": secret}  # shown on this answer only
        form = EndpointForm()
    rows = WebhookEndpoint.objects.filter(company=request.company)
    return render(request, "events/endpoints.html", {"form": form, "new": new, "rows": rows})


@manager_required
def endpoint_detail(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, company=request.company)
    log = endpoint.deliveries.select_related("event")[:LOG_LENGTH]
    return render(request, "events/endpoint_detail.html", {"endpoint": endpoint, "log": log})


@manager_required
@require_POST
def send_test(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, company=request.company)
    data = {"message": "A test event from qbsync's settings page."}
    delivery.record_event(request.company.pk, TEST_EVENT, data, endpoint=endpoint)
    messages.success(request, "Test event queued: it shows in the log below once sent.")
    return redirect("events:endpoint", pk=endpoint.pk)


@manager_required
@require_POST
def resend(request, pk: int):
    row = get_object_or_404(EventDelivery, pk=pk, endpoint__company=request.company)
    delivery.resend(row)
    messages.success(request, f"{row.event.type} {row.event.event_id} will be sent again.")
    return redirect("events:endpoint", pk=row.endpoint_id)


@manager_required
@require_POST
def toggle(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, company=request.company)
    endpoint.active = not endpoint.active
    endpoint.save(update_fields=["active"])
    messages.success(request, f"{endpoint.url} {'enabled' if endpoint.active else 'disabled'}.")
    return redirect("events:endpoint", pk=endpoint.pk)


@manager_required
@require_POST
def delete(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, company=request.company)
    endpoint.delete()
    messages.success(request, f"{endpoint.url} removed.")
    return redirect("events:endpoints")
