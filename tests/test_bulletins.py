"""督查通报: the figures of a period, the .xlsx and .docx laid out from them, the stored
versions and who may see them."""
import io

import docx
import openpyxl
import pytest
from django.urls import reverse

from supervision.bulletins import (
    bulletin_docx,
    bulletin_figures,
    bulletin_files,
    bulletin_generate,
    bulletin_xlsx,
)
from tests.bulletin_cast import AS_OF, LEAD_AGENCY, build_bulletin_cast

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

SUMMARY = {"tasks": 43, "due": 43, "on_time": 1, "late": 1, "missing": 41, "returned": 1,
           "verified": 1, "on_time_rate": 2.3}


@pytest.fixture
def cast(time_machine):
    return build_bulletin_cast(time_machine)


def _agency(figures, name):
    return next(r for r in figures["agencies"] if r.name == name)


def test_it_counts_the_period(cast):
    figures = bulletin_figures(cast.period, on_date=AS_OF)
    assert figures["summary"] == SUMMARY
    assert _agency(figures, LEAD_AGENCY).cells() == [LEAD_AGENCY, 3, 1, 1, 1, 1, 1]
    # The office's agency co-leads 36 tasks; two of them were reported by its co-lead, whose
    # report answers for both leads (one on time, one late): as the dashboard counts it.
    office = _agency(figures, "市市场监管局(市知识产权局)")
    assert (office.due, office.missing, office.on_time, office.late) == (36, 34, 1, 1)
    # A co-led task counts for each lead, and the 合计 row is the sum of the rows; every task
    # due is counted once in the summary.
    total = figures["agency_total"]
    assert total.due == sum(r.due for r in figures["agencies"]) > figures["summary"]["due"]
    assert total.missing == sum(r.missing for r in figures["agencies"])


def test_it_lists_the_overdue_with_working_days(cast):
    overdue = bulletin_figures(cast.period, on_date=AS_OF)["overdue"]
    assert len(overdue) == 41
    row = next(o for o in overdue if o["task_id"] == cast.missing_task.pk)
    assert LEAD_AGENCY in row["agencies"]
    assert (row["working_days"], row["state"], row["level"]) == (5, "未填报", "—")  # not chased
    assert cast.late_task.pk not in {o["task_id"] for o in overdue}


def test_it_lists_nothing_overdue_before_the_due_date(cast):
    figures = bulletin_figures(cast.period, on_date=cast.period.due_on)
    assert figures["overdue"] == []
    # As of the due date the late report (sent 2027-01-12) was not in either: 42 missing, none
    # of them overdue yet.
    assert figures["summary"]["missing"] == 42


def test_it_gives_indicators_latest_value_and_target(cast):
    rows = bulletin_figures(cast.period, on_date=AS_OF)["indicators"]
    assert len(rows) == cast.plan.indicators.count()
    row = next(r for r in rows if r["seq"] == 3)
    assert (row["value"], row["value_period"], row["target"]) == (12, "第4季度", "80 (累计数)")
    assert next(r for r in rows if r["seq"] == 1)["value"] is None


def test_the_xlsx_has_the_figures_in_place(cast):
    book = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(cast.period)))
    assert book.sheetnames == ["概况", "单位情况", "逾期清单", "考核排名", "指标", "协调事项"]
    summary = book["概况"]
    assert summary["A1"].value == "督查通报"
    assert summary["B3"].value == "第4季度"
    assert [summary[f"B{n}"].value for n in range(6, 14)] == [43, 43, 1, 1, 41, 1, 1, 2.3]
    assert summary["A8"].value == "按时报送"
    assert (summary["A5"].value, summary["B5"].value) == ("期号", "第1期")
    agencies = book["单位情况"]
    assert [c.value for c in agencies[1]][:4] == ["单位", "应报送进展报告", "按时报送", "迟报"]
    lead_row = next(r for r in agencies.iter_rows(min_row=2, values_only=True)
                    if r[0] == LEAD_AGENCY)
    assert lead_row == (LEAD_AGENCY, 3, 1, 1, 1, 1, 1)
    overdue = book["逾期清单"]
    assert overdue.max_row == 42  # header and 41 rows
    assert {r[4] for r in overdue.iter_rows(min_row=2, values_only=True)} == {5}
    indicators = book["指标"]
    row = next(r for r in indicators.iter_rows(min_row=2, values_only=True) if r[0] == 3)
    assert (row[5], row[6], row[7]) == ("80 (累计数)", 12, "第4季度")


def test_the_docx_has_the_summary_and_tables(cast):
    document = docx.Document(io.BytesIO(bulletin_docx(cast.period)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "督查通报" in text
    assert ("共有任务43项，应报送进展报告43份，其中按时报送1份，迟报1份，未报送41份，"
            "按时报送率2.3%；退回修改1份，已审核1份。") in text
    assert "截至2027年1月15日" in text
    agencies, overdue, _ranking, indicators = document.tables
    lead_row = next([c.text for c in r.cells] for r in agencies.rows
                    if r.cells[0].text == LEAD_AGENCY)
    assert lead_row == [LEAD_AGENCY, "3", "1", "1", "1", "1", "1"]
    assert len(overdue.rows) == 42
    assert overdue.rows[1].cells[4].text == "5"
    row = next(r for r in indicators.rows if r.cells[0].text == "3")
    assert [c.text for c in row.cells][5:8] == ["80 (累计数)", "12", "第4季度"]


def test_generate_twice_keeps_two_versions(cast):
    first = bulletin_generate(period=cast.period, by=cast.office)
    second = bulletin_generate(period=cast.period, by=cast.office)
    assert [n.rsplit(".", 1)[1] for n in first] == ["xlsx", "docx"]
    assert set(first).isdisjoint(second)
    names = bulletin_files(cast.period)
    assert len(names) == 4
    assert names[:2] == sorted((n.rsplit("/", 1)[1] for n in second), reverse=True)
    assert all(n.startswith(f"bulletins/{cast.plan.pk}/{cast.period.pk}/") for n in first)


def test_only_the_office_generates(cast):
    from django.core.exceptions import PermissionDenied

    for user in (cast.leader, cast.lead, cast.outsider):
        with pytest.raises(PermissionDenied):
            bulletin_generate(period=cast.period, by=user)
    assert bulletin_files(cast.period) == []


# ---- pages ------------------------------------------------------------------------------------

def _download_url(cast, name):
    return reverse("supervision:bulletin", args=[cast.period.pk, name])


@pytest.fixture
def generated(cast, client):
    client.force_login(cast.office)
    response = client.post(reverse("supervision:bulletin-generate", args=[cast.period.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:bulletins", args=[cast.period.pk])
    client.logout()
    return bulletin_files(cast.period)


def test_the_list_shows_the_files_and_the_button_to_the_office(cast, client, generated):
    client.force_login(cast.office)
    page = client.get(reverse("supervision:bulletins", args=[cast.period.pk])).content.decode()
    assert 'id="bulletin-generate"' in page
    for name in generated:
        assert _download_url(cast, name) in page


def test_a_leader_sees_the_list_without_the_button(cast, client, generated):
    client.force_login(cast.leader)
    response = client.get(reverse("supervision:bulletins", args=[cast.period.pk]))
    assert response.status_code == 200
    assert 'id="bulletin-generate"' not in response.content.decode()
    assert client.post(_generate_url(cast)).status_code == 403


@pytest.mark.parametrize("who", ["office", "director", "leader"])
def test_office_and_leaders_download(cast, client, generated, who):
    client.force_login(getattr(cast, who))
    for name in generated:
        response = client.get(_download_url(cast, name))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        data = b"".join(response.streaming_content)
        assert data[:2] == b"PK"  # both are zip packages


@pytest.mark.parametrize("who", ["lead", "supporting", "head", "outsider"])
def test_others_get_404(cast, client, generated, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("supervision:bulletins", args=[cast.period.pk])).status_code == 404
    assert client.get(_download_url(cast, generated[0])).status_code == 404
    assert client.post(_generate_url(cast)).status_code == 404


def _generate_url(cast):
    return reverse("supervision:bulletin-generate", args=[cast.period.pk])


def test_it_rejects_get_on_generate(cast, client):
    client.force_login(cast.office)
    assert client.get(_generate_url(cast)).status_code == 405


@pytest.mark.parametrize("name", [
    "..%2F..%2Fsettings.py", "../x.xlsx", "..", "20270115-100000-000000.txt",
    "20990101-000000-000000.xlsx",  # well formed, yet not a file of this period
])
def test_it_refuses_names_it_did_not_list(cast, client, generated, name):
    client.force_login(cast.office)
    base = reverse("supervision:bulletins", args=[cast.period.pk])
    assert client.get(f"{base}{name}/").status_code == 404


def test_another_periods_file_is_not_served(cast, client, generated):
    from workflow.models import ReportingPeriod

    other = ReportingPeriod.objects.create(
        plan=cast.plan, label="第3季度", starts_on=cast.period.starts_on.replace(month=7),
        ends_on=cast.period.starts_on.replace(month=9, day=30), due_on=AS_OF)
    client.force_login(cast.office)
    response = client.get(reverse("supervision:bulletin", args=[other.pk, generated[0]]))
    assert response.status_code == 404


def test_the_download_keeps_a_title_with_a_slash_whole(cast, client, generated):
    """A plan title with "/" (关于A/B的方案) is not cut there: browsers read it as folders."""
    from urllib.parse import unquote

    from tasks.models import Plan

    Plan.objects.filter(pk=cast.plan.pk).update(title="关于知识产权/商标的方案")
    client.force_login(cast.office)
    name = next(n for n in generated if n.endswith(".xlsx"))
    disposition = unquote(client.get(_download_url(cast, name))["Content-Disposition"])
    assert "督查通报-关于知识产权-商标的方案-" in disposition
    assert "/" not in disposition.split("filename", 1)[1]


# ---- the bulletin as a 公文 (GB/T 9704-2012) ----------------------------------------------------

def _docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def _font_table(document) -> dict[str, list[str]]:
    """Each font of the document's font table with its stand-ins (w:altName)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    table = parse_xml(document.part.part_related_by(RT.FONT_TABLE).blob)
    return {f.get(qn("w:name")): [a.get(qn("w:val")) for a in f.findall(qn("w:altName"))]
            for f in table.findall(qn("w:font"))}


def _east_asian(style) -> str:
    from docx.oxml.ns import qn

    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_the_docx_is_an_a4_gongwen_with_its_fonts_and_stand_ins(cast):
    from docx.shared import Pt

    document = _docx(bulletin_docx(cast.period))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    title = document.paragraphs[0]
    assert title.text == "督查通报" and title.style.name == "Title"
    assert _east_asian(title.style) == "方正小标宋简体" and title.style.font.size == Pt(22)
    normal = document.styles["Normal"]
    assert _east_asian(normal) == "仿宋_GB2312" and normal.font.size == Pt(16)
    assert _east_asian(document.styles["Heading 1"]) == "黑体"
    fonts = _font_table(document)
    assert fonts["方正小标宋简体"] == ["方正小标宋_GBK"]
    assert {"华文中宋", "SimSun", "FangSong", "仿宋", "SimHei"} <= set(fonts)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、各单位报送情况", "二、逾期未报清单", "三、考核排名", "四、主要指标进展",
        "五、待协调事项"]


def test_the_docx_has_its_issue_number_issuer_date_and_signature(cast):
    document = _docx(bulletin_docx(cast.period))
    texts = [p.text for p in document.paragraphs]
    issuer = "遵义市国家知识产权强市建设试点城市工作领导小组办公室"
    assert texts[1] == "第1期"
    assert texts[2] == f"{issuer}\t二〇二七年一月十五日"  # 成文日期 in Chinese characters
    assert texts[-2:] == [issuer, "二〇二七年一月十五日"]  # 落款
    assert not any("注意" in t for t in texts)  # made after the due date: no warning


def test_issue_numbers_count_per_office_and_year_and_a_period_keeps_its_own(cast):
    from workflow.models import ReportingPeriod

    assert _docx(bulletin_docx(cast.period)).paragraphs[1].text == "第1期"
    assert _docx(bulletin_docx(cast.period)).paragraphs[1].text == "第1期"  # again: the same
    earlier = ReportingPeriod.objects.create(
        plan=cast.plan, label="第3季度", starts_on=cast.period.starts_on.replace(month=7),
        ends_on=cast.period.starts_on.replace(month=9, day=30),
        due_on=cast.period.due_on.replace(month=1, day=7))
    assert _docx(bulletin_docx(earlier)).paragraphs[1].text == "第2期"
    from supervision.models import BulletinIssue

    assert list(BulletinIssue.objects.order_by("number").values_list("year", "number")) == [
        (2027, 1), (2027, 2)]


def test_a_bulletin_made_before_the_due_date_says_so_in_the_files_and_on_the_page(
        cast, client, time_machine):
    from tests.bulletin_cast import DUE, at

    early = bulletin_figures(cast.period, on_date=DUE)
    document = _docx(bulletin_docx(cast.period, figures=early))
    warning = next(p for p in document.paragraphs if p.text.startswith("注意："))
    assert "早于本报送周期的报送截止日期2027年1月8日" in warning.text
    assert warning.runs[0].bold and str(warning.runs[0].font.color.rgb) == "C00000"
    sheet = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(cast.period, figures=early)))["概况"]
    assert any(str(c.value).startswith("注意：") for c in sheet["A"])

    client.force_login(cast.office)
    url = reverse("supervision:bulletins", args=[cast.period.pk])
    assert 'id="bulletin-before-due"' not in client.get(url).content.decode()
    at(time_machine, DUE)
    assert 'id="bulletin-before-due"' in client.get(url).content.decode()


def test_the_bulletin_uses_the_interfaces_words(cast):
    from django.utils import translation

    from supervision.dashboard import RANKING_LABELS

    document = _docx(bulletin_docx(cast.period))
    header = [c.text for c in document.tables[0].rows[0].cells]
    with translation.override("zh-hans"):
        for key in ("due", "on_time", "late", "verified"):
            assert str(RANKING_LABELS[key]) in header
    assert "迟报" in header and "逾期报送" not in header
    sheet = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(cast.period)))["概况"]
    assert sheet["A3"].value == "报送周期"


def test_the_bulletin_ranks_equal_scores_together(cast):
    ranking = bulletin_figures(cast.period, on_date=AS_OF)["ranking"]
    scores = [r["score"] for r in ranking]
    assert scores == sorted(scores, reverse=True)
    for before, row in zip(ranking, ranking[1:], strict=False):
        assert (row["rank"] == before["rank"]) == (row["score"] == before["score"])
    tied = [r for r in ranking if r["tied"]]
    assert tied  # 40 agencies reported nothing: they share a place
    rows = _docx(bulletin_docx(cast.period)).tables[2].rows
    assert any(r.cells[0].text == f"并列第{tied[0]['rank']}" for r in rows)
