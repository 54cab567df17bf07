from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/import/", views.import_items, name="import_items"),
    path("items/search", views.item_search, name="item_search"),
]
