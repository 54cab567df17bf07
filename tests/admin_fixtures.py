"""Customers in two companies, and admin clients: staff of Acme (the "Company staff" group
that accounts migration 0003 creates) and a superuser."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import Company, Membership
from tests.support import make_customer


@pytest.fixture
def other_company(django_user_model):
    """Bravo Traders, whose rows Acme's people must never see."""
    bob = django_user_model.objects.create_user(email="bob@example.com", password="pw-bob-1")
    bravo = Company.objects.create(name="Bravo Traders")
    Membership.objects.create(user=bob, company=bravo, role=Membership.Role.MEMBER)
    return bravo


@pytest.fixture
def staff_user(user, company):
    """Alice, staff of Acme Supplies with the "Company staff" group's permissions only."""
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Company staff"))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def superuser_client(django_user_model):
    """Its own client: tests compare what staff and a superuser see side by side."""
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def globex(company):
    return make_customer(
        company,
        "Globex Corporation",
        qbo_id="58",
        company_name="Globex Holdings",
        email="ap@globex.test",
        phone="(415) 555-0142",
        balance="1250.50",
        currency="USD",
        bill_line1="1 Globex Way",
        bill_city="Springfield",
        bill_region="OR",
        bill_postal_code="97477",
        bill_country="USA",
    )


@pytest.fixture
def initech(other_company):
    return make_customer(
        other_company,
        "Initech LLC",
        qbo_id="77",
        company_name="Initech Holdings",
        email="billing@initech.test",
        phone="(512) 555-0199",
    )
