"""Reading each seed plan as published text. Counts were verified by reading the seeds:

000 曾都区: 二、主要任务 1–5 and 四、保障措施 1–7 → 2 sections, 12 tasks; 三、发展目标 → 8 targets.
001 遵义市: 附件3 has 8 sections (一)–(八) and 13 sub-sections → 21; tasks 1+9+9+13+6+1+1+3 = 43;
    附件2 has 23 indicators; 附件1 has 1 组长, 2 副组长 and 26 成员 = 29.
002 阿拉善盟: chapters 三–九 with 5+3+2+2+2+5+3 sub-sections → 29 sections; paragraphs under
    them 10+8+6+2+5+11+7 = 49 tasks; 专栏1 has 8 indicators.
003 槐荫区: 三、重点任务 (一)–(六) with notes → 6 tasks; 四、保障措施 (一)–(六) have no note:
    offered, not imported (issue 14), still a section → 2 sections; 二、工作目标 → 6 targets.
004 重庆市: 五大重点任务 (5) and 十大重点专项工程 with 3+4+3+4+5+3+4+2+2+3 = 33 items → 12 sections,
    38 tasks; one quantitative target (服务业营业收入 10亿元).
"""
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from tasks.importers.text import read_text
from tests.seeds import seed_bytes, seed_path

pytestmark = pytest.mark.usefixtures("english")


def read(number):
    with translation.override("en"):
        return read_text(seed_bytes(number), seed_path(number).name)


def task_at(reading, line):
    return next(t for t in reading.tasks if t.source == f"line {line}")


@pytest.fixture(scope="module")
def zunyi():
    return read("001")


def test_seed_000_counts_and_rows():
    reading = read("000")
    sections = [(s.number, s.title) for s in reading.sections]
    assert sections == [("二", "主要任务"), ("四", "保障措施")]
    assert len(reading.tasks) == 12
    assert all(t.needs_assignment for t in reading.tasks)
    assert reading.tasks[0].content.startswith("引导高校院所开展技术源头创新。鼓励高校")
    assert reading.tasks[5].content.startswith("坚持政府主导,社会共治。")
    assert reading.sections[reading.tasks[5].section].title == "保障措施"
    assert reading.leading_group is None
    meta = reading.meta
    assert meta.title == "曾都区知识产权保护和运用“十四五”规划"
    assert meta.issuer == "曾都区知识产权战略实施工作联席会议办公室"
    assert meta.issued_on == date(2021, 9, 2)
    assert (meta.period_start, meta.period_end) == (date(2021, 1, 1), date(2025, 12, 31))


def test_seed_000_targets_from_the_text():
    reading = read("000")
    found = [(i.name, i.target, i.unit, i.comparator) for i in reading.indicators]
    assert len(found) == 8
    assert found[0] == ("国内注册商标总数", Decimal("10000"), "件", "ge")
    assert ("驰名商标总量", Decimal("10"), "件", "ge") in found
    assert ("高价值专利", Decimal("50"), "件", "") in found
    assert any("from sentences" in w for w in reading.warnings)


def test_seed_001_counts(zunyi):
    assert len(zunyi.sections) == 21
    assert len(zunyi.tasks) == 43
    assert len(zunyi.indicators) == 23
    assert len(zunyi.leading_group.members) == 29
    assert not any(t.needs_assignment for t in zunyi.tasks)


def test_seed_001_sections_follow_the_plans_numbering(zunyi):
    tops = [s for s in zunyi.sections if s.parent is None]
    assert [s.number for s in tops] == [f"({n})" for n in "一二三四五六七八"]
    sub = zunyi.sections[2]
    assert (sub.number, sub.title, zunyi.sections[sub.parent].number) == (
        "1.", "促进高价值发明专利增长", "(二)"
    )
    assert zunyi.section_path(task_at(zunyi, 228).section) == "(二) 1."


def test_seed_001_task_rows(zunyi):
    first = task_at(zunyi, 223)
    assert first.content.startswith("完善我市国家知识产权强市建设试点城市指标体系")
    assert (first.lead, first.supporting, first.groups) == (["市市场监管局(知识产权局)"], [], [])

    grouped = task_at(zunyi, 228)
    assert grouped.supporting == ["市工业和能源局", "市科技与大数据局", "市教体局"]
    assert grouped.groups == ["各县(市、区)人民政府"]

    co_led = task_at(zunyi, 241)
    assert co_led.lead == ["市市场监管局(市知识产权局)", "市农业农村局"]

    bank_led = task_at(zunyi, 264)
    assert bank_led.lead == ["遵义银保监分局"]
    assert bank_led.supporting == [
        "市科技与大数据局", "市地方金融监管局", "市市场监管局(市知识产权局)",
        "人民银行遵义市中心支行",
    ]

    court = task_at(zunyi, 302)
    assert (court.lead, court.supporting) == (["市中级人民法院"], [])

    two_groups = task_at(zunyi, 253)
    assert two_groups.groups == [
        "遵义市国家知识产权强市建设试点城市工作领导小组相关成员单位", "各县(市、区)人民政府"
    ]


def test_seed_001_keeps_the_same_text_in_two_sections(zunyi):
    twins = [t for t in zunyi.tasks if t.content.startswith("对维持年限超过十年")]
    assert [zunyi.section_path(t.section) for t in twins] == ["(二) 1.", "(二) 2."]


def test_seed_001_indicators(zunyi):
    by_seq = {i.seq: i for i in zunyi.indicators}
    assert [i.seq for i in zunyi.indicators] == list(range(1, 24))
    first = by_seq[1]
    assert (first.category, first.name, first.unit, first.target, first.target_kind) == (
        "知识产权创造", "每万人口高价值发明专利拥有量增长", "%", Decimal("20"), "cumulative"
    )
    assert first.comparator == "increase_pct"
    assert by_seq[3].lead == ["市市场监管局(市知识产权局)", "市农业农村局"]
    assert by_seq[4].category == "知识产权运用转化"
    assert (by_seq[6].target, by_seq[6].target_kind) == (Decimal("42"), "period")
    # 42 (期间数) spans rows 6 and 7; 35 (累计数) spans 16 and 17.
    assert by_seq[7].target is None and zunyi.indicators[by_seq[7].target_from].seq == 6
    assert zunyi.indicators[by_seq[17].target_from].seq == 16
    assert (by_seq[9].target, by_seq[9].target_kind) == (Decimal("100"), "")
    assert by_seq[20].lead == ["遵义(国家)高新技术产业开发区管委会"]
    assert by_seq[23].category == "知识产权线上平台建设(试点)"


def test_seed_001_leading_group(zunyi):
    group = zunyi.leading_group
    assert group.name == "遵义市国家知识产权强市建设试点城市工作领导小组"
    roles = [m.role for m in group.members]
    assert roles.count("leader") == 1 and roles.count("deputy") == 2 and roles.count("member") == 26
    leader = group.members[0]
    assert (leader.name, leader.post, leader.agency) == ("曹鸣凤", "市人民政府副市长", "市人民政府")
    deputy = group.members[1]
    assert (deputy.name, deputy.role, deputy.agency) == ("白雪", "deputy", "市人民政府")
    finance = next(m for m in group.members if m.name == "何应斌")
    assert finance.agency == "市财政局"
    assert group.members[-1].agency == "人民银行遵义市中心支行"
    assert group.office_agency == "市市场监管局(市知识产权局)"
    assert group.office_director == "冉颖"


def test_seed_001_metadata(zunyi):
    meta = zunyi.meta
    assert meta.title == "遵义市国家知识产权强市建设试点城市工作方案"
    assert meta.issuer == "遵义市人民政府"
    assert meta.issued_on == date(2022, 10, 21)
    assert (meta.period_start, meta.period_end) == (date(2022, 7, 1), date(2025, 6, 30))


def test_seed_002_counts_and_rows():
    reading = read("002")
    assert len(reading.sections) == 29
    assert len(reading.tasks) == 49
    assert len(reading.indicators) == 8
    chapters = [s.number for s in reading.sections if s.parent is None]
    assert chapters == ["三", "四", "五", "六", "七", "八", "九"]
    assert all(t.needs_assignment for t in reading.tasks)
    wrapped = next(t for t in reading.tasks if t.content.startswith("发挥知识产权战略实施工作厅际"))
    # One paragraph wrapped over three lines in the source.
    assert "不断优化营商环境和创新环境" in wrapped.content and "其他盟市市场监管" in wrapped.content
    by_seq = {i.seq: i for i in reading.indicators}
    assert (by_seq[2].category, by_seq[2].baseline, by_seq[2].target) == (
        "创造", Decimal("3834"), Decimal("5000")
    )
    six = by_seq[6]
    assert (six.category, six.unit, six.baseline, six.target, six.comparator, six.attribute) == (
        "保护", "分值", Decimal("75.5"), Decimal("85"), "ge", "expected"
    )
    assert six.baseline_label == "十三五末"
    assert reading.meta.title == ""  # the text has none: the office gives it


def test_seed_003_notes_give_the_agencies():
    reading = read("003")
    assert [s.title for s in reading.sections] == ["重点任务", "保障措施"]
    assert len(reading.tasks) == 6
    first = reading.tasks[0]
    assert first.content.startswith("建设中国地理标志产业大厦。")
    assert not first.content.endswith(")")
    assert first.lead == ["区市场监管局"]
    assert first.supporting == ["区工业和信息化局", "区财政局", "区农业农村局", "区商务局"]
    assert (reading.tasks[4].lead, reading.tasks[4].supporting) == (["区市场监管局"], [])
    assert reading.tasks[5].supporting[:3] == ["区法院", "区检察院", "区公安分局"]
    assert not any(t.needs_assignment for t in reading.tasks)
    offered = [r for r in reading.not_imported if r.reason == "safeguards"]
    assert [r.content.split("。")[0] for r in offered] == [
        "完善知识产权管理体系", "完善知识产权投入支撑体系", "完善知识产权考核评估体系",
        "加强知识产权人才队伍建设", "健全区域知识产权保护体系", "全面加强知识产权宣传培训"]
    assert all(reading.sections[r.section].title == "保障措施" for r in offered)
    # the note names no lead: the first unit is read as lead, and the reading says so
    assert any("first one listed is read as the lead" in w for w in reading.warnings)
    meta = reading.meta
    assert meta.title == "槐荫区建设国家知识产权强县示范区工作方案(2022—2025年)"
    assert meta.doc_number == "济槐政字〔2022〕16号"
    assert meta.issuer == "济南市槐荫区人民政府"
    assert meta.issued_on == date(2022, 11, 22)
    assert (meta.period_start, meta.period_end) == (date(2022, 1, 1), date(2025, 12, 31))


def test_seed_003_targets_from_the_text():
    reading = read("003")
    found = {i.name: (i.target, i.unit, i.comparator, i.target_kind) for i in reading.indicators}
    assert len(found) == 6
    assert found["每万人口高价值发明专利拥有量"] == (Decimal("14"), "件", "", "")
    assert found["有效注册商标量"] == (Decimal("8"), "万件", "gt", "")
    assert found["融资金额"] == (Decimal("2"), "亿元", "", "cumulative")
    assert found["知识产权保护满意率"] == (Decimal("90"), "%", "ge", "")


def test_seed_004_lists_and_projects():
    reading = read("004")
    assert len(reading.sections) == 12
    assert len(reading.tasks) == 38
    key, projects = reading.sections[0], reading.sections[1]
    assert (key.title, projects.title) == ("五大重点任务", "十大重点专项工程")
    children = [s.title for s in reading.sections if s.parent == 1]
    assert len(children) == 10
    assert children[1] == "重点领域知识产权保护工程"  # the source's ____ is gone
    items = [t.content for t in reading.tasks if reading.sections[t.section].title == children[0]]
    # 知识产权 保护队伍建设: a newspaper column wrap inside a word
    assert items == ["知识产权保护机构建设", "知识产权保护设施建设", "知识产权保护队伍建设"]
    assert reading.tasks[2].content == "提升以促进产业发展和区域融合为导向的知识产权运用效能"
    assert [(i.name, i.target, i.unit) for i in reading.indicators] == [
        ("知识产权服务业营业收入", Decimal("10"), "亿元")
    ]
    assert reading.meta.title == '重庆市知识产权保护和运用"十四五"规划(2021—2025年)'
