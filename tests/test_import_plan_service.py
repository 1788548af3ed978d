"""Importing into the database: one transaction, agencies resolved, shared targets, idempotence."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, AgencyAlias, AgencyGroup, AgencyMatchSuggestion, LeadingGroup
from agencies.resolution import AgencyDirectory
from tasks import services
from tasks.models import Indicator, Plan, Section, Target, Task, TaskAgency
from tests.seeds import TITLE_002, seed_bytes, seed_path

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def import_seed(number, title=None):
    return services.plan_import(
        data=seed_bytes(number), source_name=seed_path(number).name, title=title
    )


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_plan", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("number", "title", "sections", "tasks", "indicators", "members"),
    [
        ("000", None, 2, 12, 8, 0),
        ("001", None, 21, 43, 23, 29),
        ("002", TITLE_002, 29, 49, 8, 0),
        # 003: the six 保障措施 paragraphs carry no note: offered, not imported (issue 14)
        ("003", None, 2, 6, 6, 0),
        ("004", None, 12, 38, 1, 0),
    ],
)
def test_every_seed_imports(number, title, sections, tasks, indicators, members):
    plan = import_seed(number, title).plan
    assert Section.objects.filter(plan=plan).count() == sections
    assert Task.objects.filter(plan=plan).count() == tasks
    assert Indicator.objects.filter(plan=plan).count() == indicators
    group = LeadingGroup.objects.filter(plan=plan).first()
    assert (group.members.count() if group else 0) == members
    assert plan.state == Plan.State.DRAFT
    assert len(plan.source_sha256) == 64 and plan.source_file.read() == seed_bytes(number)


def test_seed_002_gets_its_title_and_period_from_the_office():
    plan = import_seed("002", TITLE_002).plan
    assert plan.title == TITLE_002
    assert (plan.period_start.isoformat(), plan.period_end.isoformat()) == (
        "2021-01-01", "2025-12-31"
    )


def test_one_agency_however_it_is_spelled():
    plan = import_seed("001").plan
    office = Agency.objects.get(name="市市场监管局(市知识产权局)")
    assert "市市场监管局(知识产权局)" in set(office.aliases.values_list("name", flat=True))
    spaced = AgencyDirectory().resolve_all(["市市场监管局 (市知识产权局)"])
    assert spaced.matches["市市场监管局 (市知识产权局)"].agency_id == office.pk
    assert not Agency.objects.filter(name__startswith="市市场监管局(知识").exists()
    assert LeadingGroup.objects.get(plan=plan).office_agency == office
    assert office.kind == Agency.Kind.DEPARTMENT
    assert Agency.objects.get(name="市中级人民法院").kind == Agency.Kind.COURT
    assert Agency.objects.get(name="遵义银保监分局").kind == Agency.Kind.FINANCIAL
    assert Agency.objects.get(name="红花岗区人民政府").kind == Agency.Kind.LOCAL_GOVERNMENT


def test_near_matches_are_suggested_not_merged():
    import_seed("001")
    pairs = set(AgencyMatchSuggestion.objects.values_list("agency__name", "candidate__name"))
    assert ("市综合行政执法局", "市综合执法局") in pairs
    assert ("人民银行遵义市中心支行", "人行遵义中心支行") in pairs
    assert ("市发展改革委", "市发改委") in pairs
    # both spellings exist as agencies until the office confirms
    assert Agency.objects.filter(name__in=["市综合行政执法局", "市综合执法局"]).count() == 2


def test_lead_is_not_its_own_supporting_agency():
    outcome = import_seed("001")
    task = Task.objects.get(plan=outcome.plan, source_ref="line 292")
    assert [a.name for a in task.lead_agencies()] == ["市市场监管局(市知识产权局)"]
    assert [a.name for a in task.supporting_agencies()] == [
        "市公安局", "市农业农村局", "市综合执法局", "市林业局", "市文化旅游局", "市商务局"
    ]
    assert any("line 292" in w and "also listed as supporting" in w
               for w in outcome.resolved.warnings)


def test_co_leads_are_ordered_and_groups_kept():
    plan = import_seed("001").plan
    task = Task.objects.get(plan=plan, source_ref="line 241")
    assert [a.name for a in task.lead_agencies()] == ["市市场监管局(市知识产权局)", "市农业农村局"]
    assert list(task.groups.values_list("name", flat=True)) == ["各县(市、区)人民政府"]
    members = AgencyGroup.objects.get(name__endswith="领导小组相关成员单位").members
    # the group of the leading group's member units is filled from 附件1
    assert members.filter(name="市司法局").exists() and members.count() >= 20


def test_a_spanning_target_is_stored_once():
    plan = import_seed("001").plan
    six, seven = Indicator.objects.filter(plan=plan, seq__in=[6, 7]).order_by("seq")
    assert six.target_id == seven.target_id
    assert six.target.value == 42 and six.target.kind == Target.Kind.PERIOD
    assert [i.seq for i in seven.shares_target_with()] == [6]
    assert Target.objects.filter(plan=plan).count() == 21


def test_a_later_plan_matches_known_agencies_by_alias_and_normalized_form():
    import_seed("001")
    before = Agency.objects.count()
    text = (
        "二、主要任务\n"
        "(一)加强执法。开展联合执法行动。(牵头单位:市市场监管局（市知识产权局）;"
        "配合单位:遵义市综合行政执法局、市综合执法局)\n"
    ).encode()
    outcome = services.plan_import(data=text, source_name="later.txt", title="后续方案")
    task = outcome.plan.tasks.get()
    assert [a.name for a in task.lead_agencies()] == ["市市场监管局(市知识产权局)"]
    assert [a.name for a in task.supporting_agencies()] == ["市综合行政执法局", "市综合执法局"]
    assert Agency.objects.count() == before
    assert AgencyAlias.objects.filter(name="遵义市综合行政执法局").exists()


def test_importing_the_same_file_again_changes_nothing():
    first = import_seed("003")
    counts = (Plan.objects.count(), Task.objects.count(), Agency.objects.count(),
              TaskAgency.objects.count())
    again = import_seed("003")
    assert not again.created and again.plan == first.plan
    assert (Plan.objects.count(), Task.objects.count(), Agency.objects.count(),
            TaskAgency.objects.count()) == counts
    _, err = run(str(seed_path("003")))
    assert "already imported as plan" in err


def test_a_failure_half_way_writes_nothing(monkeypatch, private_storage):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_write_indicators", explode)
    with pytest.raises(RuntimeError):
        import_seed("001")
    assert (Plan.objects.count(), Agency.objects.count(), Task.objects.count()) == (0, 0, 0)
    assert not list(private_storage.rglob("*.txt"))


def test_dry_run_json_is_one_object_and_writes_nothing():
    out, _ = run(str(seed_path("001")), "--dry-run", "--json")
    reading = json.loads(out)
    assert set(reading) == {
        "plan", "sections", "tasks", "not_imported", "indicators", "leading_group", "agencies",
        "warnings",
    }
    assert reading["not_imported"] == []  # a task table gives every task
    assert reading["plan"] == {
        "title": "遵义市国家知识产权强市建设试点城市工作方案", "issuer": "遵义市人民政府",
        "doc_number": None, "issued_on": "2022-10-21", "period_start": "2022-07-01",
        "period_end": "2025-06-30",
    }
    assert len(reading["tasks"]) == 43 and len(reading["indicators"]) == 23
    task = next(t for t in reading["tasks"] if t["lead"] == ["遵义银保监分局"])
    assert task["section"] == "(三) 1." and task["needs_assignment"] is False
    seven = next(i for i in reading["indicators"] if i["seq"] == 7)
    assert (seven["target"], seven["target_kind"], seven["shares_target_with"]) == (
        42, "period", [6]
    )
    assert reading["indicators"][0]["comparator"] == "increase_pct"
    assert reading["leading_group"]["office_director"] == "冉颖"
    assert len(reading["leading_group"]["members"]) == 29
    assert "市市场监管局(市知识产权局)" in reading["agencies"]["new"]
    assert {"name": "市综合行政执法局", "candidate": "市综合执法局"} in reading["agencies"][
        "suggestions"
    ]
    assert Plan.objects.count() == 0 and Agency.objects.count() == 0


def test_dry_run_of_an_imported_file_still_reads_it_and_warns():
    import_seed("004")
    out, _ = run(str(seed_path("004")), "--dry-run", "--json")
    reading = json.loads(out)
    assert len(reading["tasks"]) == 38
    assert any("already imported" in w for w in reading["warnings"])


def test_plain_output_summarises(capsys):
    out, err = run(str(seed_path("003")))
    assert "tasks: 6 (0 need a lead agency)" in out
    assert "not imported: 13" in out
    assert "imported as plan #" in err


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="no-such.txt"):
        run("no-such.txt")
