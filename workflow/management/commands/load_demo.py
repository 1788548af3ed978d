"""Demo data for the embedded default: seed 001 imported and dispatched, accounts printed.

Idempotent: the plan is imported once (same sha256) and dispatched once; the accounts are
created or reset to the printed passwords.
"""
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, StaffProfile
from lib.workdays import add_working_days
from tasks.models import Plan
from tasks.services import plan_import
from workflow.models import ReportingPeriod
from workflow.periods import plan_reminder_defaults
from workflow.services import plan_dispatch, staff_profile_save

DEMO_PLAN = Path(settings.BASE_DIR) / "seeds" / "001_bd8fbcfcfad85180.txt"
ADMIN_GROUP = "office-admin"
# Object permissions (who may report on which task…) are never given model-wide.
OBJECT_PERMS = ["supervise_plan", "lead_plan", "report_task", "contribute_task", "signoff_task"]
OFFICE = "市市场监管局(市知识产权局)"
Role = StaffProfile.Role
# (username, password, agency, role): the office sits in the 市场监管局, as 附件1 says.
DEMO_USERS = [
    ("office", "duban-office-demo", OFFICE, Role.OFFICE_STAFF),
    ("director", "duban-office-demo", OFFICE, Role.OFFICE_DIRECTOR),
    ("nongye", "duban-agency-demo", "市农业农村局", Role.REPORTER),
    ("gongxin", "duban-agency-demo", "市工业和能源局", Role.REPORTER),
    ("keji", "duban-agency-demo", "市科技与大数据局", Role.REPORTER),
    ("leader", "duban-leader-demo", "市人民政府", Role.LEADER),
]


def demo_period(today: date):
    """The seed's pilot ended in 2025; the demo reports on the current month, due three working
    days from the day the demo is loaded, so that reminders are due at once (before-3)."""
    first = today.replace(day=1)
    last = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return (f"{today.year}年{today.month}月", first, last - timedelta(days=1),
            add_working_days(today, 3))


class Command(BaseCommand):
    help = "Import and dispatch seed 001 and create demo accounts for the office and agencies."

    def handle(self, *args, **options):
        outcome = plan_import(data=DEMO_PLAN.read_bytes(), source_name=DEMO_PLAN.name)
        plan = outcome.plan
        verb = "imported" if outcome.created else "already imported"
        self.stdout.write(f"Plan {verb}: #{plan.pk} {plan.title}")
        with transaction.atomic():
            admin_group = self._admin_group()
            for username, password, agency_name, role in DEMO_USERS:
                self._account(username, password, agency_name, role, admin_group)
            label, starts, ends, due = demo_period(timezone.localdate())
            ReportingPeriod.objects.get_or_create(
                plan=plan, label=label, defaults={"starts_on": starts, "ends_on": ends,
                                                  "due_on": due})
            # A plan imported before reminders existed gets their defaults (each part once).
            plan_reminder_defaults(plan)
        if plan.state == Plan.State.DRAFT:
            office = User.objects.get(username="office")
            dispatched = plan_dispatch(plan=plan, by=office)
            self.stdout.write(f"Plan dispatched: {dispatched.assignments} assignments")
        self.stdout.write("\nDemo accounts (http://127.0.0.1:8000/):")
        for username, password, agency_name, role in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {password:18} {agency_name} ({role})")
        self._demo_mail()

    def _demo_mail(self) -> None:
        """Demo accounts get an address under .invalid (never deliverable) so that reminders are
        queued for them; an address set in the admin is kept. In DEBUG without EMAIL_BACKEND the
        emails are written as files under var/mail (settings)."""
        for username, *_rest in DEMO_USERS:
            User.objects.filter(username=username, email="").update(
                email=f"{username}@demo.duban.invalid")
        where = (f"files in {settings.EMAIL_FILE_PATH}" if "filebased" in settings.EMAIL_BACKEND
                 else settings.EMAIL_BACKEND)
        self.stdout.write(f"\nEmails go to {where}. Reminders: python manage.py send_reminders "
                          "[--date YYYY-MM-DD] [--dry-run]")

    @staticmethod
    def _admin_group() -> Group:
        """Office staff manage plans and agencies in the admin (model permissions only)."""
        group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
        # … and the agencies' and people's robots and phones (notifications.ChannelEndpoint).
        group.permissions.set(
            Permission.objects.filter(
                Q(content_type__app_label__in=["agencies", "tasks", "workflow"])
                | Q(content_type__app_label="notifications", content_type__model="channelendpoint"))
            .exclude(codename__in=OBJECT_PERMS)
        )
        return group

    @staticmethod
    def _account(username, password, agency_name, role, admin_group) -> None:
        agency = Agency.objects.get(name=agency_name)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role in StaffProfile.OFFICE_ROLES
        user.save()
        if user.is_staff:
            user.groups.add(admin_group)
        staff_profile_save(user=user, agency=agency, role=role)
