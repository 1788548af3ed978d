"""Formula injection (issue 10): text that starts like a formula is exported as text.

Each payload is put into a task's text, its section's title, its lead agency's name, the plan's
title and an indicator's name; the task list .xlsx and the bulletin .xlsx are downloaded through
the real views and read back with openpyxl: no cell is a formula, and each payload is there,
unchanged and flagged as text (quotePrefix), in every sheet it belongs in.
"""
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from lib.spreadsheets import looks_like_formula
from supervision.bulletins import bulletin_files
from tasks.models import Section, Task
from tests.bulletin_cast import AS_OF, LEAD_AGENCY, at, build_bulletin_cast

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)",
            "\t=1", "\r=1"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cast(time_machine):
    cast = build_bulletin_cast(time_machine)
    at(time_machine, AS_OF)
    return cast


def _cells(data: bytes) -> dict[str, list]:
    book = openpyxl.load_workbook(BytesIO(data))
    return {sheet.title: [cell for row in sheet.iter_rows() for cell in row]
            for sheet in book.worksheets}


def _task_list(cast) -> bytes:
    client = Client()
    client.force_login(cast.office)
    url = reverse("supervision:tasks", args=[cast.plan.pk]) + "?format=xlsx"
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _bulletin(cast) -> bytes:
    client = Client()
    client.force_login(cast.office)
    response = client.post(reverse("supervision:bulletin-generate", args=[cast.period.pk]))
    assert response.status_code == 302
    name = next(n for n in bulletin_files(cast.period) if n.endswith(".xlsx"))  # the newest
    response = client.get(reverse("supervision:bulletin", args=[cast.period.pk, name]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _plant(cast, payload: str) -> None:
    task = cast.missing_task  # overdue: in the bulletin's 逾期清单 as well as the task list
    Task.objects.filter(pk=task.pk).update(content=payload)
    Section.objects.filter(pk=task.section_id).update(title=payload)
    Agency.objects.filter(pk=cast.lead_agency_pk).update(name=payload)
    type(cast.plan).objects.filter(pk=cast.plan.pk).update(title=payload)
    cast.plan.indicators.filter(seq=3).update(name=payload)


def test_formula_payloads_are_exported_as_text(cast):
    cast.lead_agency_pk = Agency.objects.get(name=LEAD_AGENCY).pk
    for payload in PAYLOADS:
        _plant(cast, payload)
        for export, sheets_with_payload in ((_task_list, {"任务"}),
                                            (_bulletin, {"概况", "单位情况", "逾期清单", "指标"})):
            sheets = _cells(export(cast))
            formulas = [c.coordinate for cells in sheets.values() for c in cells
                        if c.data_type == "f"]
            assert formulas == [], (payload, export.__name__, formulas)
            for title in sheets_with_payload:
                found = [c for c in sheets[title] if isinstance(c.value, str)
                         and c.value.startswith(payload)]
                assert found, (payload, export.__name__, title)
                assert all(c.data_type == "s" and c.quotePrefix for c in found)
            # every value that looks like a formula is flagged as text, not only the planted ones
            assert all(c.quotePrefix for cells in sheets.values() for c in cells
                       if looks_like_formula(c.value))


def test_every_module_that_makes_a_workbook_saves_it_through_save_workbook():
    """A new export cannot forget the rule: whoever builds an openpyxl Workbook saves it with
    lib.spreadsheets.save_workbook (which makes formula-like text plain text)."""
    makers = [path for path in ROOT.rglob("*.py")
              if not {".venv", "tests", "bench"} & set(path.relative_to(ROOT).parts)
              and "Workbook(" in path.read_text(encoding="utf-8")]
    assert makers  # the task list and the bulletin at least
    for path in makers:
        source = path.read_text(encoding="utf-8")
        assert source.count("save_workbook(") >= source.count("Workbook()"), path
        assert "book.save(" not in source, path
