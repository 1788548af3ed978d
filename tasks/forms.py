from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .importers import SUPPORTED_EXTENSIONS


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Plan file"),
        help_text=_("A .docx, .xlsx, .html, text or PDF (with its text, not a scan) file with "
                    "the plan."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=300,
        help_text=_("Only when the file does not state the plan's title."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PLAN_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(name)s is %(size)s; the largest plan file accepted is %(limit)s."),
                code="too_large",
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        if PurePath(upload.name).suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(
                _("%(name)s cannot be read: plan files must be %(extensions)s."),
                code="extension",
                params={"name": upload.name, "extensions": ", ".join(SUPPORTED_EXTENSIONS)},
            )
        return upload

    def clean_title(self):
        return self.cleaned_data["title"].strip()
