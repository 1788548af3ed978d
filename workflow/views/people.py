"""The office's people pages: an agency's staff and roles, adding a person, a password link,
deactivating, importing people from an .xlsx. Thin views over agencies.people; agencies and
people come through the office's scope (workflow.selectors): another office's answer 404,
anyone but the office 403."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import StaffProfile
from agencies.people import (
    MAX_IMPORT_BYTES,
    PeopleError,
    PersonData,
    people_import,
    person_add,
    person_password_reset,
    person_set_active,
)
from agencies.permissions import is_office, person_name

from .. import selectors

AGENCY_ROLES = [(r.value, r.label) for r in StaffProfile.Role]


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=30, required=False)
    post = forms.CharField(label=gettext_lazy("Post"), max_length=100, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=AGENCY_ROLES,
                             initial=StaffProfile.Role.REPORTER)


class PeopleImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:  # before reading it
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {
                "mb": MAX_IMPORT_BYTES // (1024 * 1024)})
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def agency_people(request, pk: int):
    """单位人员: who is registered at the agency, with the form adding a person."""
    agency = selectors.agency_for_office(request.user, pk)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_add(agency=agency, data=PersonData(**form.cleaned_data),
                                by=request.user)
        except PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _(
                "%(name)s added; an email with a link to set the password was sent to "
                "%(email)s.") % {"name": person_name(person), "email": person.email})
            return redirect("workflow:agency-people", pk=agency.pk)
    return render(request, "workflow/agency_people.html", {
        "agency": agency, "profiles": list(selectors.agency_people(agency)), "form": form,
    })


@login_required
@require_POST
def person_reset(request, pk: int):
    person = selectors.person_for_office(request.user, pk)
    try:
        sent = person_password_reset(user=person, by=request.user)
    except PeopleError as exc:
        messages.error(request, str(exc))
    else:
        if sent:
            messages.success(request, _("A link to reset the password was sent to %(email)s.")
                             % {"email": person.email})
        else:
            messages.info(request, _("A link was already sent; it is still valid."))
    return redirect("workflow:agency-people", pk=person.profile.agency_id)


@login_required
@require_POST
def person_active(request, pk: int):
    person = selectors.person_for_office(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        person_set_active(user=person, active=active, by=request.user)
    except PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, (_("%(name)s reactivated.") if active
                                   else _("%(name)s deactivated: they can no longer log in."))
                         % {"name": person_name(person)})
    return redirect("workflow:agency-people", pk=person.profile.agency_id)


@login_required
@require_http_methods(["GET", "POST"])
def people_import_view(request):
    """People from an .xlsx (单位, 姓名, 职务, 手机, 邮箱, 角色); each error names its row."""
    if not is_office(request.user):
        raise PermissionDenied
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = people_import(data=form.cleaned_data["file"].read(), by=request.user,
                                   agencies=selectors.agencies_of_office(request.user))
        except PeopleError as exc:
            form.add_error("file", str(exc))
        else:
            if not result.errors:
                messages.success(request, ngettext(
                    "%(count)d person added; each was sent a link to set the password.",
                    "%(count)d people added; each was sent a link to set the password.",
                    len(result.created)) % {"count": len(result.created)})
                if result.skipped:
                    messages.info(request, _("Already registered, left as they are: %(emails)s")
                                  % {"emails": "、".join(result.skipped)})
                return redirect("workflow:people-import")
    return render(request, "workflow/people_import.html", {"form": form, "result": result})
