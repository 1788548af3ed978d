"""Demo data for the embedded default: seed 001 imported and four accounts, passwords printed.

Idempotent: the plan is imported once (same sha256), the accounts are created or reset.
"""
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.models import Agency, StaffProfile
from tasks.services import plan_import

DEMO_PLAN = Path(settings.BASE_DIR) / "seeds" / "001_bd8fbcfcfad85180.txt"
OFFICE_GROUP = "office"
# (username, password, agency, role): the office sits in the 市场监管局 as the plan says.
DEMO_USERS = [
    ("office", "duban-office-demo", "市市场监管局(市知识产权局)", StaffProfile.Role.OFFICE_STAFF),
    ("gongxin", "duban-agency-demo", "市工业和能源局", StaffProfile.Role.REPORTER),
    ("keji", "duban-agency-demo", "市科技与大数据局", StaffProfile.Role.REPORTER),
    ("nongye", "duban-agency-demo", "市农业农村局", StaffProfile.Role.REPORTER),
]


class Command(BaseCommand):
    help = "Import seed 001 and create demo accounts for the office and three agencies."

    def handle(self, *args, **options):
        outcome = plan_import(data=DEMO_PLAN.read_bytes(), source_name=DEMO_PLAN.name)
        verb = "imported" if outcome.created else "already imported"
        self.stdout.write(f"Plan {verb}: #{outcome.plan.pk} {outcome.plan.title}")
        with transaction.atomic():
            office_group = self._office_group()
            for username, password, agency_name, role in DEMO_USERS:
                self._account(username, password, agency_name, role, office_group)
        self.stdout.write("\nDemo accounts (http://127.0.0.1:8000/):")
        for username, password, agency_name, role in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {password:18} {agency_name} ({role})")

    @staticmethod
    def _office_group() -> Group:
        """Office staff may manage plans and agencies in the admin."""
        group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=["agencies", "tasks"])
        )
        return group

    @staticmethod
    def _account(username, password, agency_name, role, office_group) -> None:
        agency = Agency.objects.get(name=agency_name)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role in StaffProfile.OFFICE_ROLES
        user.save()
        if user.is_staff:
            user.groups.add(office_group)
        StaffProfile.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
