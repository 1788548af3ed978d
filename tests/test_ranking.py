"""Tied scores are ranked 并列 (1, 2, 2, 4) by one function: the dashboard's ranking, the
scorecard, the assessment and the bulletin (issue 11 §4). And 公文 dates in Chinese."""
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from lib.gongwen import chinese_date, chinese_number
from lib.ranking import rank, rank_label
from supervision.assessment import Facts, assessment_ranking
from supervision.dashboard import place_ranking
from supervision.models import AssessmentWeights


def test_equal_values_share_a_rank_and_the_next_counts_every_row_above():
    rows = rank([{"v": 90}, {"v": 80}, {"v": 80}, {"v": 70}, {"v": 70}, {"v": 70}, {"v": 1}],
                key=lambda r: r["v"])
    assert [r["rank"] for r in rows] == [1, 2, 2, 4, 4, 4, 7]
    assert [r["tied"] for r in rows] == [False, True, True, True, True, True, False]


def test_a_shared_rank_reads_bingli():
    with translation.override("zh-hans"):
        assert rank_label(2, True) == "并列第2"
        assert rank_label(1, False) == "1"
        assert rank_label(None, False) == "—"


def test_the_dashboard_places_agencies_by_on_time_rate_with_ties():
    rows = place_ranking([
        {"name": "甲", "on_time_rate": 50.0}, {"name": "乙", "on_time_rate": 100.0},
        {"name": "丙", "on_time_rate": 50.0}, {"name": "丁", "on_time_rate": None}])
    places = {r["name"]: (r["rank"], r["tied"]) for r in rows}
    assert places == {"乙": (1, False), "甲": (2, True), "丙": (2, True), "丁": (None, False)}


def test_the_assessment_ranks_equal_scores_together():
    class Period:
        pk = 7

    weights = AssessmentWeights(on_time=40, returns=20, overdue=20, escalations=10,
                                indicators=10, overdue_cap_working_days=10)
    facts = {(1, 7): Facts(on_time=1), (2, 7): Facts(late=1, overdue_days=[2]),
             (3, 7): Facts(on_time=1), (4, 7): Facts(missing=1, overdue_days=[9])}
    names = {1: "甲", 2: "乙", 3: "丙", 4: "丁"}
    rows = assessment_ranking(Period(), facts, weights, names=names)
    assert [(r["name"], r["rank"], r["tied"]) for r in rows] == [
        ("丙", 1, True), ("甲", 1, True), ("乙", 3, False), ("丁", 4, False)]


def test_gongwen_dates_and_numbers_are_written_in_characters():
    assert chinese_date(date(2026, 12, 2)) == "二〇二六年十二月二日"
    assert chinese_date(date(2027, 1, 31)) == "二〇二七年一月三十一日"
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21)] == [
        "一", "十", "十一", "二十", "二十一"]


@pytest.mark.django_db
@pytest.mark.dates
def test_the_scorecard_and_assessment_pages_show_a_shared_place(time_machine, client):
    from tests.bulletin_cast import LEAD_AGENCY, build_bulletin_cast

    cast = build_bulletin_cast(time_machine)
    client.force_login(cast.office)
    page = client.get(reverse("supervision:assessment", args=[cast.plan.pk]),
                      {"period": cast.period.pk}).content.decode()
    assert "并列第" in page  # the agencies that reported nothing share their place
    agency = cast.lead.profile.agency
    assert agency.name == LEAD_AGENCY
    scorecard = client.get(reverse("supervision:scorecard", args=[agency.pk]),
                           {"plan": cast.plan.pk})
    [item] = [i for i in scorecard.context["history"] if i["period"].pk == cast.period.pk]
    assert item["place"]["rank"] >= 1 and item["ranked"] > 1
    assert "考核名次" in scorecard.content.decode()
