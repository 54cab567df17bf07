"""Create the development demo login (never in production)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Company, Membership, User

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # noqa: S105 - a published development-only login
DEMO_COMPANY = "Demo Company"


class Command(BaseCommand):
    help = "Create demo@example.com / demo, owner of 'Demo Company' (development only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo login is for development only.")
        user, created = User.objects.get_or_create(
            email=DEMO_EMAIL, defaults={"full_name": "Demo User", "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        company = Company.objects.filter(memberships__user=user, name=DEMO_COMPANY).first()
        if company is None:
            company = Company.objects.create(name=DEMO_COMPANY)
            Membership.objects.create(user=user, company=company, role=Membership.Role.OWNER)
        # The admin pages staff use (customers, payments, orders...): accounts migration 0003.
        user.groups.add(Group.objects.get(name="Company staff"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD} (owner of {company.name}) "
                "- development only"
            )
        )
