"""The office generates the period's bulletin (督查通报) in a real browser and downloads the
.xlsx and the .docx, which open with the right figures."""
from datetime import datetime, time

import docx
import openpyxl
import pytest
from django.utils import timezone

from tests.bulletin_cast import AS_OF, LEAD_AGENCY, build_bulletin_cast

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_generates_and_downloads_the_bulletin(login, live_server, shoot,
                                                        time_machine, tmp_path):
    cast = build_bulletin_cast(time_machine)
    # The browser and the live server share this process's clock: let it run from AS_OF.
    time_machine.move_to(timezone.make_aware(datetime.combine(AS_OF, time(10))), tick=True)
    office = login("office")
    office.goto(f"{live_server.url}/plans/{cast.plan.pk}/")
    office.click(f"a[href$='/periods/{cast.period.pk}/bulletins/']")
    office.wait_for_load_state()
    assert "/bulletins/" in office.url
    office.click("#bulletin-generate")
    office.wait_for_load_state()
    shoot(office, "bulletin-01-generated")

    files = {}
    for ext in ("xlsx", "docx"):
        with office.expect_download() as info:
            office.click(f"#bulletins tbody tr:first-child a[href$='.{ext}/']")
        download = info.value
        assert download.suggested_filename.endswith(f".{ext}")
        files[ext] = tmp_path / f"bulletin.{ext}"
        download.save_as(files[ext])

    summary = openpyxl.load_workbook(files["xlsx"])["概况"]
    # tasks, due, on time, late, missing, returned, verified
    assert [summary[f"B{n}"].value for n in range(6, 13)] == [43, 43, 1, 1, 41, 1, 1]
    document = docx.Document(str(files["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "按时报送1份，迟报1份，未报送41份" in text
    lead_row = next([c.text for c in r.cells] for r in document.tables[0].rows
                    if r.cells[0].text == LEAD_AGENCY)
    assert lead_row == [LEAD_AGENCY, "3", "1", "1", "1", "1", "1"]
