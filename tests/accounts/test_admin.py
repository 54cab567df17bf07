"""The accounts admin: users, companies and memberships span tenants, so only superusers see
them — even a staff user who was given those model permissions."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Company, Membership

pytestmark = pytest.mark.django_db

CROSS_TENANT = ["/admin/accounts/user/", "/admin/accounts/company/", "/admin/accounts/membership/"]


@pytest.fixture
def staff_with_every_accounts_permission(user, company, client):
    """Alice, staff of Acme, given every accounts permission there is."""
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="accounts"))
    # The connection moved to the qbo app; its view permission goes with the company's own.
    user.user_permissions.add(Permission.objects.get(codename="view_quickbooksconnection"))
    Company.objects.create(name="Bravo Traders")
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", CROSS_TENANT)
def test_staff_cannot_list_rows_that_span_companies(staff_with_every_accounts_permission, url):
    response = staff_with_every_accounts_permission.get(url)
    assert response.status_code == 403
    assert "Bravo Traders" not in response.text


def test_staff_cannot_open_add_or_change_them_either(staff_with_every_accounts_permission, user):
    client = staff_with_every_accounts_permission
    bravo = Company.objects.get(name="Bravo Traders")
    assert client.get(f"/admin/accounts/company/{bravo.pk}/change/").status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", {"is_superuser": "on"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


def test_the_admin_index_does_not_offer_them_to_staff(staff_with_every_accounts_permission):
    response = staff_with_every_accounts_permission.get("/admin/")
    assert response.status_code == 200
    assert "/admin/accounts/user/" not in response.text
    assert "/admin/accounts/company/" not in response.text
    # The company's own QuickBooks connection stays visible (it is scoped to their companies).
    assert "/admin/qbo/quickbooksconnection/" in response.text


def test_superusers_manage_them(django_user_model, company, user):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client = Client()
    client.force_login(root)
    for url in CROSS_TENANT:
        assert client.get(url).status_code == 200
    membership = Membership.objects.get(user=user, company=company)
    page = client.get(f"/admin/accounts/membership/{membership.pk}/change/")
    assert page.status_code == 200
    assert "alice@example.com" in page.text
