"""Make an API key for a company from the command line (prints the key, once)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Company
from api.keys import create_key


class Command(BaseCommand):
    help = "Create an API key for a company and print it (it is not stored, only its digest)."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="The company's exact name.")
        parser.add_argument("--name", required=True, help="What the key is for.")

    def handle(self, *args, company: str, name: str, **options):
        found = list(Company.objects.filter(name=company)[:2])
        if len(found) != 1:
            raise CommandError(f"{len(found) or 'No'} companies are named {company!r}.")
        _, key = create_key(company=found[0], name=name[:100], created_by=None)
        self.stdout.write(key)
