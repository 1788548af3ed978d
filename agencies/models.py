"""Agencies (单位), the spellings they go by, collective groups, contacts and leading groups."""
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib.names import full_name


class Agency(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Government department")
        LOCAL_GOVERNMENT = "local_government", _("County/district government")
        COURT = "court", _("Court")
        PROCURATORATE = "procuratorate", _("Procuratorate")
        FINANCIAL = "financial", _("Financial regulator or bank")
        PARK = "park", _("Park committee")
        OTHER = "other", _("Other")

    name = models.CharField(_("canonical name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    # The agency's own rule, on top of the plan's (Plan.requires_signoff): ProgressReport.
    # needs_signoff asks both.
    requires_signoff = models.BooleanField(
        _("reports need the agency head's sign-off"), default=False,
        help_text=_("If set, this agency's reports go to its head before they reach the "
                    "office, in every plan."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyAlias(models.Model):
    """Every spelling met in a source, kept so the next import recognises it at once."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("spelling"), max_length=200, unique=True)
    # The normalized key (brackets, spaces, place prefix removed); resolution looks it up.
    key = models.CharField(_("normalized key"), max_length=200, db_index=True)

    class Meta:
        verbose_name = _("agency alias")
        verbose_name_plural = _("agency aliases")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyGroup(models.Model):
    """A collective entry such as 各县(市、区)人民政府; a later issue expands it per member."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    members = models.ManyToManyField(
        Agency, verbose_name=_("member agencies"), blank=True, related_name="groups"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("agency group")
        verbose_name_plural = _("agency groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyMatchSuggestion(models.Model):
    """A near match found on import that only a person may confirm (merge) or reject."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        MERGED = "merged", _("Merged")
        REJECTED = "rejected", _("Rejected")

    agency = models.ForeignKey(
        Agency, verbose_name=_("new agency"), on_delete=models.CASCADE,
        related_name="suggestions",
    )
    candidate = models.ForeignKey(
        Agency, verbose_name=_("possibly the same as"), on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("similarity"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(_("found in"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency match suggestion")
        verbose_name_plural = _("agency match suggestions")
        ordering = ["status", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "candidate"], name="agencies_suggestion_unique_pair"
            ),
        ]

    def __str__(self):
        return f"{self.agency} ≈ {self.candidate}"


class Contact(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="contacts"
    )
    person = models.CharField(_("person"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["agency__name", "person"]

    def __str__(self):
        return f"{self.person} ({self.agency})"


class LeadingGroup(models.Model):
    """A plan's 领导小组 and its office (办公室): the host agency and its director."""

    plan = models.OneToOneField(
        "tasks.Plan", verbose_name=_("plan"), on_delete=models.CASCADE,
        related_name="leading_group",
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    office_agency = models.ForeignKey(
        Agency, verbose_name=_("office host agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="hosted_offices",
    )
    office_director = models.CharField(_("office director"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("leading group")
        verbose_name_plural = _("leading groups")

    def __str__(self):
        return self.name or str(self.plan)


class LeadingGroupMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader (组长)")
        DEPUTY = "deputy", _("Deputy leader (副组长)")
        MEMBER = "member", _("Member (成员)")

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("leading group"), on_delete=models.CASCADE,
        related_name="members",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    post = models.CharField(_("post"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="leading_group_members",
    )

    class Meta:
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")
        ordering = ["group", "order"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class StaffProfile(models.Model):
    """Which agency a user works for and in what role. Permissions build on it (workflow issue)."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter (填报人)")
        HEAD = "head", _("Agency head (单位负责人)")
        OFFICE_STAFF = "office_staff", _("Office staff (办公室工作人员)")
        OFFICE_DIRECTOR = "office_director", _("Office director (办公室主任)")
        LEADER = "leader", _("Leader (领导)")

    OFFICE_ROLES = {Role.OFFICE_STAFF, Role.OFFICE_DIRECTOR}

    user = models.OneToOneField(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    post = models.CharField(_("post"), max_length=100, blank=True)  # 职务: 科长, 副局长…
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return f"{person_name(self.user)} · {self.agency} · {self.get_role_display()}"

    @property
    def is_office(self) -> bool:
        return self.role in self.OFFICE_ROLES


def person_name(user, *, unit: bool = False) -> str:
    """A person as a 公文 names them: family name then given name, no space (张伟), else the
    account name; the system itself (督办系统) when an action had no user (the morning sweep).
    With unit, followed by their agency: 张伟（市农业农村局）. The one rule for every page,
    email, export, admin list and timeline (agencies.permissions re-exports it)."""
    if user is None:
        return str(_("the supervision system"))
    full = full_name(user)
    if unit:
        try:
            agency = user.profile.agency if user.profile.agency_id else None
        except (ObjectDoesNotExist, AttributeError):
            agency = None
        if agency is not None:
            return f"{full}（{agency.name}）"
    return full
