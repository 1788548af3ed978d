"""Responsibility notes and what is a task, on plans written the way offices write them."""
import pytest

from tasks.importers import read_plan_file
from tasks.importers.notes import find_notes, parse_note

pytestmark = pytest.mark.usefixtures("english")


def note(text):
    found = parse_note(text)
    assert found is not None, text
    return found.lead, found.supporting, found.lead_groups, found.groups


@pytest.mark.parametrize(("text", "expected"), [
    ("责任单位：A局、B局、C委", (["A局"], ["B局", "C委"], [], [])),
    ("牵头单位：市发展改革委；配合单位：市财政局、市商务局",
     (["市发展改革委"], ["市财政局", "市商务局"], [], [])),
    ("牵头部门：市教委、市科委", (["市教委", "市科委"], [], [], [])),  # co-leads
    ("牵头单位:区市场监管局,责任单位:区财政局", (["区市场监管局"], ["区财政局"], [], [])),
    ("市科委牵头，市财政局、市教委配合", (["市科委"], ["市财政局", "市教委"], [], [])),
    ("市科委牵头，市财政局参与", (["市科委"], ["市财政局"], [], [])),
    ("工业和信息化部、发展改革委、科技部负责",
     (["工业和信息化部"], ["发展改革委", "科技部"], [], [])),
    ("工业和信息化部、发展改革委、科技部等负责",
     (["工业和信息化部"], ["发展改革委", "科技部"], [], [])),
    ("海关总署、商务部等有关部门按职责分工负责", (["海关总署"], ["商务部"], [], [])),
    ("市经济信息化委、市科委牵头负责", (["市经济信息化委", "市科委"], [], [], [])),
    ("国家发展改革委会同有关部门负责", (["国家发展改革委"], [], [], [])),
    ("各省级人民政府负责", ([], [], ["各省级人民政府"], [])),
    ("商务部、扶贫办等和各有关省级人民政府负责",
     (["商务部"], ["扶贫办"], [], ["各有关省级人民政府"])),
])
def test_note_forms(text, expected):
    assert note(text) == expected


@pytest.mark.parametrize("collective", [
    "各区、县级市", "各有关区、县级市", "各区政府", "各省级人民政府", "各有关单位",
    "各项目牵头单位", "领导小组各成员单位", "各区、县级市人民政府",
])
def test_collectives_stay_whole(collective):
    assert note(f"责任单位：市发展改革委、{collective}") == (
        ["市发展改革委"], [], [], [collective])
    assert note(f"市财政局牵头，{collective}配合") == (["市财政局"], [], [], [collective])


def test_brackets_that_are_not_notes():
    for text in ("含技工院校", "2021—2025年", "以下简称“规划”", "由企业自主负责",
                 "不需省级发展改革部门转报"):
        assert parse_note(text) is None, text


def test_several_notes_in_one_paragraph_and_led_by_in_the_text():
    notes = find_notes("建设平台。（市科委负责）培育企业。（市经济信息化委、市财政局负责）")
    assert [n.lead for n in notes] == [["市科委"], ["市经济信息化委"]]
    led = find_notes("完善统计制度，由市统计局牵头，市科委、市财政局配合。")
    assert [(n.lead, n.supporting) for n in led] == [(["市统计局"], ["市科委", "市财政局"])]


PLAN = """某市关于加快发展数字经济的
实施方案

各区、县级市人民政府，市各有关单位：

为加快发展数字经济，制定本方案。

一、总体目标
到2025年，数字经济核心产业增加值达到1000亿元。

二、基本原则
（一）坚持创新驱动。发挥企业主体作用。

三、重点任务
（一）强化基础设施
1.建设5G网络。推进5G基站建设。（市通信管理局、市经济信息化委负责，列第一位者为牵头单位，下同）
2.建设算力中心。布局一批数据中心。（市发展改革委牵头，
市经济信息化委、市大数据局配合）
3.发展智能终端。重点产品包括：智能手机、可穿戴设备、智能家居。
4.培育数据市场。建立数据交易机制。

（责任单位：市大数据局、各区、县级市）
（二）推进产业数字化（牵头单位：市经济信息化委；配合单位：市商务局）
1.推动工业互联网应用。
2.建设一批数字化车间。
5.完善统计制度，由市统计局牵头，市科委配合。

四、保障措施
（一）加强组织领导。建立工作专班。
（二）加大资金支持。安排专项资金。（市财政局负责）

本方案自印发之日起施行。

某市人民政府
2024年3月1日
"""


@pytest.fixture(scope="module")
def plan():
    return read_plan_file(PLAN.encode(), "方案.txt")


def test_the_title_broken_over_two_lines(plan):
    assert plan.meta.title == "某市关于加快发展数字经济的实施方案"
    assert (plan.meta.issuer, str(plan.meta.issued_on)) == ("某市人民政府", "2024-03-01")


def test_items_with_notes_are_tasks(plan):
    rows = [(t.content, t.lead, t.supporting, t.groups) for t in plan.tasks]
    assert rows == [
        ("建设5G网络。推进5G基站建设。", ["市通信管理局"], ["市经济信息化委"], []),
        ("建设算力中心。布局一批数据中心。", ["市发展改革委"],
         ["市经济信息化委", "市大数据局"], []),
        ("培育数据市场。建立数据交易机制。", ["市大数据局"], [], ["各区、县级市"]),
        # a heading's note is inherited by its items
        ("推动工业互联网应用。", ["市经济信息化委"], ["市商务局"], []),
        ("建设一批数字化车间。", ["市经济信息化委"], ["市商务局"], []),
        ("完善统计制度，由市统计局牵头，市科委配合。", ["市统计局"], ["市科委"], []),
        ("加大资金支持。安排专项资金。", ["市财政局"], [], []),
    ]
    assert not any("first one listed" in w for w in plan.warnings)  # the plan says so itself


def test_items_without_a_note_are_listed_with_the_reason(plan):
    left = [(r.content.split("，")[0].split("。")[0], r.reason) for r in plan.not_imported]
    assert left == [
        ("为加快发展数字经济", "context"), ("到2025年", "goal"), ("坚持创新驱动", "context"),
        ("发展智能终端", "no_note"),  # a product list, with no note
        ("加强组织领导", "safeguards"), ("本方案自印发之日起施行", "context"),
    ]
    offered = plan.not_imported[4]
    assert plan.sections[offered.section].title == "保障措施"


def test_sections_hold_the_tasks_and_the_offered_items(plan):
    assert [(s.number, s.title) for s in plan.sections] == [
        ("三", "重点任务"), ("(一)", "强化基础设施"), ("(二)", "推进产业数字化"),
        ("四", "保障措施")]


def test_a_plan_without_notes_needs_a_lead_for_its_lowest_items():
    text = """二、主要任务
（一）完善机制
围绕重点工作，做好以下方面：
1.建立联席会议制度。
2.制定年度计划。
（二）加强宣传
开展宣传周活动。
三、发展目标
到2025年，专利拥有量达到500件。
"""
    reading = read_plan_file(text.encode(), "无注.txt")
    assert [t.content for t in reading.tasks] == ["建立联席会议制度。", "制定年度计划。",
                                                  "开展宣传周活动。"]
    assert all(t.needs_assignment for t in reading.tasks)
    assert [(r.content[:6], r.reason) for r in reading.not_imported] == [
        ("围绕重点工作", "context"), ("到2025年", "goal")]


def test_without_a_rule_the_first_unit_leads_and_the_reading_says_so():
    text = "三、重点任务\n（一）建设平台。搭建公共平台。（市科委、市财政局负责）\n"
    reading = read_plan_file(text.encode(), "a.txt")
    assert (reading.tasks[0].lead, reading.tasks[0].first_is_lead) == (["市科委"], True)
    assert any("first one listed is read as the lead" in w for w in reading.warnings)


def test_notes_in_square_brackets_and_on_a_line_of_their_own():
    text = """三、重点任务
（一）建设平台。搭建公共服务平台。【牵头单位：市科委；配合单位：市财政局】
（二）培育企业。实施专项培育计划。
责任单位：市经济信息化委、市财政局等部门
（三）优化环境。完善政策。
"""
    reading = read_plan_file(text.encode(), "b.txt")
    assert [(t.content, t.lead, t.supporting) for t in reading.tasks] == [
        ("建设平台。搭建公共服务平台。", ["市科委"], ["市财政局"]),
        ("培育企业。实施专项培育计划。", ["市经济信息化委"], ["市财政局"]),
    ]
    assert [(r.content, r.reason) for r in reading.not_imported] == [
        ("优化环境。完善政策。", "no_note")]


def test_a_labelled_list_that_ends_in_its_role_and_items_numbered_1_bracket():
    text = """二、主要任务
1）完善机制。建立联席会议。（责任单位：市发展改革委，市财政局、市商务局按职责分工负责）
2）加强宣传。开展宣传周。（牵头单位：市委宣传部，配合单位：各区政府）
"""
    reading = read_plan_file(text.encode(), "c.txt")
    assert [(t.content, t.lead, t.supporting, t.groups) for t in reading.tasks] == [
        ("完善机制。建立联席会议。", ["市发展改革委"], ["市财政局", "市商务局"], []),
        ("加强宣传。开展宣传周。", ["市委宣传部"], [], ["各区政府"]),
    ]
