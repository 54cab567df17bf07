from django.urls import path

from invoicing import views

app_name = "invoicing"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/deactivate/", views.product_deactivate, name="product_deactivate"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/customers/", views.order_customer_search, name="order_customer_search"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", views.order_push_status, name="order_push_status"),
    path("orders/<int:pk>/retry/", views.order_retry, name="order_retry"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/send/", views.order_send, name="order_send"),
    path("orders/<int:pk>/payment/", views.order_payment, name="order_payment"),
    path("orders/<int:pk>/credit/", views.order_credit, name="order_credit"),
    path("orders/<int:pk>/refund/", views.order_refund, name="order_refund"),
    path("orders/<int:pk>/conflicts/<int:write_pk>/", views.order_conflict, name="order_conflict"),
    path("orders/<int:pk>/invoice.pdf", views.order_invoice_pdf, name="order_invoice_pdf"),
    path("settings/invoicing/", views.invoicing_settings, name="settings"),
]
