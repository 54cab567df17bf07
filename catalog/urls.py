from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/import/", views.import_items, name="import_items"),
]
