from django.urls import path

from events import pages

app_name = "events"

urlpatterns = [
    path("settings/webhooks/", pages.endpoints, name="endpoints"),
    path("settings/webhooks/<int:pk>/", pages.endpoint_detail, name="endpoint"),
    path("settings/webhooks/<int:pk>/test/", pages.send_test, name="send_test"),
    path("settings/webhooks/<int:pk>/toggle/", pages.toggle, name="toggle"),
    path("settings/webhooks/<int:pk>/delete/", pages.delete, name="delete"),
    path("settings/webhooks/deliveries/<int:pk>/resend/", pages.resend, name="resend"),
]
