"""The people of an agency, as the office manages them from its pages (no admin): add a person,
send a link to set or reset the password, deactivate and reactivate, import many from an .xlsx.

A person is a Django user with a StaffProfile; their agency's and role's object permissions
follow the profile through permissions.staff_sync, the one place that puts a user in their
groups. The account's name is the email address; the person sets the password themselves from
the emailed link (Django's password-reset token: single use, PASSWORD_RESET_TIMEOUT).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from lib.files import sniff
from notifications.outbox import message_enqueue

from .models import Agency, StaffProfile
from .permissions import PREFIX, is_office, person_name, staff_sync
from .services import agencies_named

Role = StaffProfile.Role
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
COLUMNS = ("单位", "姓名", "职务", "手机", "邮箱", "角色")
# The roles as an .xlsx names them: the Chinese word of each role, or its code.
ROLE_WORDS = {
    "填报人": Role.REPORTER, "单位负责人": Role.HEAD, "负责人": Role.HEAD,
    "办公室工作人员": Role.OFFICE_STAFF, "办公室主任": Role.OFFICE_DIRECTOR, "领导": Role.LEADER,
    **{role.value: role for role in Role},
}
_PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")


class PeopleError(Exception):
    """A refused change of an agency's people, worded for the office."""


def profile_save(*, user, agency: Agency, role: str, post: str | None = None,
                 phone: str | None = None) -> StaffProfile:
    """Give a user their agency and role, and with them the agency's permissions."""
    defaults = {"agency": agency, "role": role}
    defaults.update({k: v for k, v in (("post", post), ("phone", phone)) if v is not None})
    profile, _created = StaffProfile.objects.update_or_create(user=user, defaults=defaults)
    staff_sync(profile)
    return profile


@dataclass
class PersonData:
    name: str
    email: str
    role: str
    phone: str = ""
    post: str = ""


def _check(data: PersonData) -> list[str]:
    """What is wrong with one person's fields (empty when nothing)."""
    errors = []
    if not data.name.strip():
        errors.append(_("the name is missing"))
    elif len(data.name) > 150:
        errors.append(_("the name is too long"))
    try:
        validate_email(data.email)
    except ValidationError:
        errors.append(_("“%(email)s” is not an email address") % {"email": data.email[:100]})
    if data.role not in Role.values:
        errors.append(_("the role is not one of %(roles)s") % {
            "roles": "、".join(("填报人", "单位负责人", "办公室工作人员", "办公室主任", "领导"))})
    if data.phone and not _PHONE.match(data.phone):
        errors.append(_("“%(phone)s” is not a phone number") % {"phone": data.phone[:40]})
    if len(data.post) > 100:
        errors.append(_("the post is too long"))
    return errors


def _office_role_refused(agency: Agency, role: str, by) -> str | None:
    """Office roles open the office's pages: an office gives them at its own agency only."""
    if role not in StaffProfile.OFFICE_ROLES or by.is_superuser:
        return None
    own = getattr(getattr(by, "profile", None), "agency_id", None)
    if agency.pk == own:
        return None
    return _("office roles are given at the office's own agency only")


def _create(agency: Agency, data: PersonData) -> User:
    # A Chinese name is written whole, family name first; person_name() shows last_name then
    # first_name, so the whole name goes in last_name (no guess at 复姓 like 欧阳).
    user = User.objects.create_user(data.email.lower(), email=data.email.lower(),
                                    last_name=data.name.strip())
    user.set_unusable_password()  # set by the person, from the emailed link
    user.save(update_fields=["password"])
    profile_save(user=user, agency=agency, role=data.role, post=data.post.strip(),
                 phone=data.phone.strip())
    return user


def _taken(email: str) -> bool:
    email = email.lower()
    return User.objects.filter(username__iexact=email).exists() or \
        User.objects.filter(email__iexact=email).exists()


def person_add(*, agency: Agency, data: PersonData, by) -> User:
    """The office adds a person to an agency; they get an email to set their password."""
    if not is_office(by):
        raise PeopleError(_("You are not allowed to do this."))
    errors = _check(data)
    refused = _office_role_refused(agency, data.role, by)
    if refused:
        errors.append(refused)
    if not errors and _taken(data.email):
        errors.append(_("%(email)s already has an account") % {"email": data.email})
    if errors:
        raise PeopleError("；".join(errors))
    with transaction.atomic():
        user = _create(agency, data)
        password_link_send(user=user, welcome=True)
    return user


def password_link_send(*, user, welcome: bool = False) -> bool:
    """Email the person a link to set (welcome) or reset their password, after commit through
    the outbox. False when they have no email address or are deactivated."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    url = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    profile = getattr(user, "profile", None)
    message = message_enqueue(
        recipient=user, key=f"password:{user.pk}:{token}", template="password_link",
        context={"name": person_name(user), "url": url, "welcome": welcome,
                 "username": user.get_username(),
                 "agency_name": profile.agency.name if profile else ""})
    return message is not None


def person_password_reset(*, user, by) -> bool:
    if not is_office(by):
        raise PeopleError(_("You are not allowed to do this."))
    if not user.is_active:
        raise PeopleError(_("%(name)s is deactivated: reactivate them first.")
                          % {"name": person_name(user)})
    if not user.email:
        raise PeopleError(_("%(name)s has no email address.") % {"name": person_name(user)})
    with transaction.atomic():
        return password_link_send(user=user)


def person_set_active(*, user, active: bool, by) -> None:
    """Deactivate (no login, no email, no permission) or reactivate a person."""
    if not is_office(by):
        raise PeopleError(_("You are not allowed to do this."))
    if user.pk == by.pk:
        raise PeopleError(_("You cannot deactivate yourself."))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        if active:
            staff_sync(user.profile)
        else:
            user.groups.remove(*user.groups.filter(name__startswith=PREFIX))


# ---- import from an .xlsx ----------------------------------------------------------------------

@dataclass
class PeopleImport:
    created: list[User] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already registered
    errors: list[str] = field(default_factory=list)


def people_import(*, data: bytes, by, agencies=None) -> PeopleImport:
    """People from an .xlsx with the columns 单位, 姓名, 职务, 手机, 邮箱, 角色 (header row first).
    Every error names its row; with any error nothing is saved. `agencies`: the agencies the
    office may add people to (a queryset); a row naming another one is an error."""
    if not is_office(by):
        raise PeopleError(_("You are not allowed to do this."))
    if len(data) > MAX_IMPORT_BYTES:
        raise PeopleError(_("The file is larger than %(mb)d MB.") % {
            "mb": MAX_IMPORT_BYTES // (1024 * 1024)})
    if sniff(data) != "xlsx":
        raise PeopleError(_("The file is not an .xlsx workbook."))
    rows = _rows(data)
    result = PeopleImport()
    planned: list[tuple[Agency, PersonData]] = []
    seen: set[str] = set()
    allowed = set(agencies.values_list("pk", flat=True)) if agencies is not None else None
    for number, row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        if not any(values.values()):
            continue
        data_row = PersonData(
            name=values["姓名"], email=values["邮箱"].lower(), post=values["职务"],
            phone=values["手机"], role=ROLE_WORDS.get(values["角色"], values["角色"] or "?"))
        errors = _check(data_row)
        ids, _unknown = agencies_named([values["单位"]]) if values["单位"] else ([], [])
        if not ids:
            errors.append(_("no agency is known as “%(name)s”") % {"name": values["单位"][:60]})
        elif allowed is not None and ids[0] not in allowed:
            errors.append(_("“%(name)s” is not an agency of your plans") % {
                "name": values["单位"][:60]})
        else:
            refused = _office_role_refused(Agency(pk=ids[0]), data_row.role, by)
            if refused:
                errors.append(refused)
        if data_row.email in seen:
            errors.append(_("%(email)s is on an earlier row too") % {"email": data_row.email})
        seen.add(data_row.email)
        if errors:
            result.errors.append(_("Row %(row)d: %(errors)s") % {
                "row": number, "errors": "；".join(errors)})
        elif _taken(data_row.email):
            result.skipped.append(data_row.email)
        else:
            planned.append((Agency.objects.get(pk=ids[0]), data_row))
    if result.errors:
        return result
    with transaction.atomic():
        for agency, data_row in planned:
            user = _create(agency, data_row)
            password_link_send(user=user, welcome=True)
            result.created.append(user)
    return result


def _rows(data: bytes) -> list[tuple[int, tuple[str, ...]]]:
    """(row number as Excel shows it, six cells as text) after the header row."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise PeopleError(_("The workbook could not be read: %(reason)s") % {
            "reason": str(exc)[:200]}) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = tuple(_text(c) for c in next(rows, ()) or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise PeopleError(_("Row 1 must name the columns %(columns)s; missing: %(missing)s.")
                          % {"columns": "、".join(COLUMNS), "missing": "、".join(missing)})
    positions = [header.index(c) for c in COLUMNS]
    out = []
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise PeopleError(_("The file has more than %(count)d rows.") % {
                "count": MAX_IMPORT_ROWS})
        cells = tuple(_text(row[i]) if i < len(row) else "" for i in positions)
        out.append((number, cells))
    book.close()
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number: 13800000000.0
    return str(value).strip()
