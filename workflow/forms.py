"""Forms of the office's pages that are not a plan's: registering an item (立项), settling a
coordination matter (协调事项)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .adhoc import ITEM_SOURCES

ONCE, MONTHLY = "once", "monthly"
RHYTHM_CHOICES = [(ONCE, _("Once, by the deadline")),
                  (MONTHLY, _("Every month until verified (办结)"))]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Source"), choices=ITEM_SOURCES)
    title = forms.CharField(label=_("What is to be done"), max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    doc_number = forms.CharField(label=_("Source document number"), max_length=100,
                                 required=False,
                                 help_text=_("e.g. the 批示 or meeting minutes' number."))
    asked_by = forms.CharField(label=_("Leader who asked"), max_length=100, required=False)
    lead = forms.CharField(label=_("Lead agency"), max_length=500, widget=forms.TextInput(
        attrs={"list": "agency-names", "autocomplete": "off"}))
    supporting = forms.CharField(label=_("Supporting agencies"), max_length=2000,
                                 required=False, widget=forms.TextInput(
                                     attrs={"list": "agency-names", "autocomplete": "off"}))
    rhythm = forms.ChoiceField(label=_("Reporting"), choices=RHYTHM_CHOICES, initial=ONCE,
                               widget=forms.RadioSelect)
    deadline_on = forms.DateField(label=_("Deadline"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    instruction = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("rhythm") == ONCE and not data.get("deadline_on"):
            self.add_error("deadline_on", _("An item that reports once by its deadline needs a "
                                            "deadline."))
        return data


class AssignForm(forms.Form):
    agency = forms.CharField(label=_("Agency that can settle it"), max_length=200,
                             required=False, widget=forms.TextInput(
                                 attrs={"list": "agency-names", "autocomplete": "off"}))
    leader = forms.TypedChoiceField(label=_("Or a leader"), required=False, coerce=int,
                                    empty_value=None, choices=[])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [("", "—")] + [(u.pk, name) for u, name in leaders]
