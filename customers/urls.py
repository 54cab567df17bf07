from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
]
