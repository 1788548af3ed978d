"""Real plans offices publish (tests/corpus, not the seeds): what duban reads from each.

Every figure here was counted by reading the document, not taken from the importer's output:
- tasks: the items that end in a responsibility note (several notes in one paragraph are
  several tasks); in a plan without notes, the lowest items of its task chapters;
- with a lead: tasks whose note names a lead agency (a note naming only 各省级人民政府 or
  各有关部门和单位 names a group: the task still needs a lead agency);
- co-led: tasks with two or more lead agencies; distinct leads: different lead agencies;
- indicators: numeric targets in the goals (suggestions read from sentences);
- not imported: the other paragraphs (opening words, guiding ideas, principles, goals,
  closing words), titles, 文号, addressees, signatures and dates aside.
"""
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tasks.importers import read_plan_file
from tasks.importers.cells import clean
from tests.seeds import seed_path

CORPUS = Path(__file__).resolve().parent / "corpus"

pytestmark = pytest.mark.usefixtures("english")

# file: (tasks, with a lead, co-led, distinct leads, indicators, not imported)
COUNTS = {
    # 四、主要任务 (一)–(五) hold measures 1–21, each with a note; 一 指导思想 1, 二 基本原则 4,
    # 三 发展目标 1, 五 有关要求 4 and the opening paragraph are the other 11.
    "gov_bonded_zones_opinions.txt": (21, 21, 0, 6, 0, 11),
    # (一)–(十七), each with a note (保障措施 (十四)–(十七) too); opening and 总体要求 left.
    "gov_consumption_poverty_alleviation.txt": (17, 17, 0, 6, 0, 2),
    # (一)–(十五); (十二)–(十五) name only 各省级人民政府 / 各有关部门和单位; the opening and
    # the closing paragraph after (十五) have no note.
    "gov_employment_promotion.txt": (15, 11, 0, 2, 0, 2),
    # 一–三十, each a measure with a note; the opening and three closing paragraphs.
    "gov_incentives_for_localities.txt": (30, 30, 0, 16, 0, 4),
    # (四)–(十九): 16 items, (十) and (十三) with three notes each and (十八) with two → 21
    # tasks; opening, 指导思想, four principles, 发展目标 (2万亿元, 100项, 100个), closing.
    "gov_sports_competition_industry.txt": (21, 21, 0, 6, 3, 8),
    # 一–九, each ending in (责任单位:…); the opening and 本措施自…施行 left.
    "sh_basic_research_measures.txt": (9, 9, 0, 4, 0, 2),
    # no notes: 三、主要任务 (一)–(十) and 四、保障措施 (一)–(三), one paragraph each; the opening,
    # 指导思想 and 发展目标 (ten targets: 98%, 60%, 8-10个, 50%, 5-8个, 60%, 10万亩, 10个, 85%,
    # 85%) left.
    "sh_agri_mechanization_implementation.txt": (13, 0, 0, 0, 10, 3),
    # no notes: 二、重点任务 items 1–16 and 三、保障措施 (一)–(五); the opening, 主要目标 and its
    # five —— goals (50发, 600颗, 5个, 30个, 8个, 10家, 5家, 2000亿元) left.
    "sh_commercial_space_action_plan.txt": (21, 0, 0, 0, 8, 7),
}


def read(name):
    return read_plan_file((CORPUS / name).read_bytes(), name)


def task(reading, start):
    return next(t for t in reading.tasks if t.content.startswith(start))


def agencies(row):
    return row.lead, row.supporting, row.groups


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_read_by_hand(name):
    reading = read(name)
    tasks = reading.tasks
    found = (
        len(tasks), sum(bool(t.lead) for t in tasks), sum(t.co_led for t in tasks),
        len({n for t in tasks for n in t.lead}), len(reading.indicators),
        len(reading.not_imported),
    )
    assert found == COUNTS[name]


# A note, found with a plain pattern: a bracket naming who is responsible.
PLAIN_NOTE = re.compile(
    r"[（(]([^（）()]*?(?:负责|责任单位|牵头单位|牵头部门|配合单位)[^（）()]*)[）)]")
# notes in each document, counted by reading it
NOTES = {
    "gov_bonded_zones_opinions.txt": 21, "gov_consumption_poverty_alleviation.txt": 17,
    "gov_employment_promotion.txt": 15, "gov_incentives_for_localities.txt": 30,
    "gov_sports_competition_industry.txt": 21, "sh_basic_research_measures.txt": 9,
    "sh_agri_mechanization_implementation.txt": 0, "sh_commercial_space_action_plan.txt": 0,
    "003": 6, "000": 0, "001": 0, "002": 0, "004": 0,
}


@pytest.mark.parametrize("name", sorted(NOTES))
def test_every_note_ends_up_on_exactly_one_task(name):
    path = seed_path(name) if name.isdigit() else CORPUS / name
    text = path.read_text(encoding="utf-8")
    found = Counter(clean(m.group(1)) for m in PLAIN_NOTE.finditer(text))
    assert sum(found.values()) == NOTES[name]
    reading = read_plan_file(path.read_bytes(), path.name)
    assert Counter(t.note for t in reading.tasks if t.note) == found
    if found:
        assert all(t.note for t in reading.tasks)


def test_bonded_zones():
    reading = read("gov_bonded_zones_opinions.txt")
    meta = reading.meta
    assert meta.title == "国务院关于促进综合保税区高水平开放高质量发展的若干意见"  # two lines
    assert (meta.doc_number, meta.issuer, meta.issued_on) == (
        "国发〔2019〕3号", "国务院", date(2019, 1, 12))
    first = task(reading, "拓展两个市场。")
    assert agencies(first) == (["税务总局"], ["财政部", "海关总署"], [])
    assert reading.section_path(first.section) == "四 (一)"
    assert "排在第一位的部门为牵头部门" in first.note  # the rule, stated once for all notes
    assert not any("first one listed" in w for w in reading.warnings)
    assert agencies(task(reading, "促进研发创新。")) == (["海关总署"], ["商务部"], [])
    assert agencies(task(reading, "促进文物回流。")) == (
        ["海关总署"], ["文化和旅游部", "文物局"], [])
    reasons = Counter(r.reason for r in reading.not_imported)
    assert reasons == {"context": 6, "goal": 1, "safeguards": 4}


def test_consumption_poverty_alleviation():
    reading = read("gov_consumption_poverty_alleviation.txt")
    assert reading.meta.title == "国务院办公厅关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见"
    assert agencies(task(reading, "推动各级机关和国有企事业单位等带头参与消费扶贫。")) == (
        ["扶贫办"],
        ["中央统战部", "中央和国家机关工委", "教育部", "卫生健康委", "人民银行", "国资委",
         "国管局", "中央军委政治工作部", "全国总工会"],
        ["各省级人民政府"])
    assert agencies(task(reading, "动员民营企业等社会力量参与消费扶贫。")) == (
        ["全国工商联"],
        ["发展改革委", "民政部", "农业农村部", "扶贫办", "全国总工会", "共青团中央", "全国妇联"],
        ["各省级人民政府"])
    assert agencies(task(reading, "打造区域性特色农产品品牌。")) == (
        ["中央宣传部"], ["农业农村部", "商务部", "发展改革委", "人民银行", "市场监管总局"],
        ["各有关省级人民政府"])
    # no rule says who leads: the reading says it took the first unit
    assert any("17 notes list their agencies" in w for w in reading.warnings)


def test_employment_promotion():
    reading = read("gov_employment_promotion.txt")
    assert reading.meta.doc_number == "国发〔2018〕39号"
    assert agencies(task(reading, "支持创业载体建设。")) == (
        ["人力资源社会保障部"], ["科技部", "财政部", "住房城乡建设部", "市场监管总局"],
        ["各省级人民政府"])
    assert agencies(task(reading, "保障困难群众基本生活。")) == (
        ["财政部"], ["人力资源社会保障部", "民政部"], [])
    served = task(reading, "切实抓好政策服务。")
    assert agencies(served) == ([], [], ["各有关部门和单位", "各省级人民政府"])
    assert served.lead_groups == ["各有关部门和单位", "各省级人民政府"] and served.needs_assignment
    closing = reading.not_imported[-1]
    assert (closing.content[:6], closing.reason) == ("从工业企业结", "context")


def test_incentives_for_localities():
    reading = read("gov_incentives_for_localities.txt")
    assert reading.meta.title == (
        "国务院办公厅关于对真抓实干成效明显地方进一步加大激励支持力度的通知")
    assert agencies(task(reading, "对深化商事制度改革")) == (["市场监管总局"], [], [])
    # 会同有关部门: the others are nobody in particular
    assert agencies(task(reading, "对大力培育发展战略性新兴产业")) == (["国家发展改革委"], [], [])
    assert agencies(task(reading, "对棚户区改造")) == (
        ["住房城乡建设部"], ["国家发展改革委", "财政部"], [])
    assert all(t.section is None for t in reading.tasks)  # 一、…三十、 are the measures


def test_sports_competition_industry_three_notes_in_one_paragraph():
    reading = read("gov_sports_competition_industry.txt")
    split = [t for t in reading.tasks if t.source == "line 22"]
    assert [(t.content[:8], t.lead, t.supporting) for t in split] == [
        ("鼓励创新创业。大", ["市场监管总局"], []),
        ("加强体育产业创新", ["体育总局"], ["教育部"]),
        ("重视和鼓励新型转", ["体育总局"], ["网信办", "科技部", "工业和信息化部"]),
    ]
    assert split[0].content.endswith("准入环境。")
    goals = [(i.name, i.target, i.unit) for i in reading.indicators]
    assert ("体育竞赛表演产业总规模", 2, "万亿元") in goals
    assert any("from sentences" in w for w in reading.warnings)


def test_basic_research_measures_under_a_crawler_header():
    reading = read("sh_basic_research_measures.txt")
    meta = reading.meta
    assert meta.title == "上海市支持企业加强基础研究 增强高质量发展新动能的若干措施"
    assert (meta.doc_number, meta.issuer, meta.issued_on) == (
        "沪府办规〔2025〕5号", "上海市人民政府办公厅", date(2025, 7, 23))
    assert (meta.period_start, meta.period_end) == (date(2025, 8, 1), date(2030, 7, 31))
    assert agencies(task(reading, "支持企业持续加大基础研究投入力度。")) == (
        ["市科委"], ["市财政局"], ["各区政府"])
    assert agencies(task(reading, "支持企业使用科学仪器设施共享服务。")) == (
        ["市科委"], ["市财政局", "临港新片区管委会", "浦东新区"], ["相关区政府"])
    assert agencies(task(reading, "支持企业投入基础研究税收优惠。")) == (
        ["市税务局"], ["市财政局", "市科委"], [])


def test_agri_mechanization_without_notes():
    reading = read("sh_agri_mechanization_implementation.txt")
    assert reading.meta.title == "上海关于贯彻落实《“十四五”全国农业机械化发展规划》的实施意见"
    assert reading.meta.issuer == "上海市农业农村委员会" and reading.meta.doc_number == ""
    assert all(t.needs_assignment for t in reading.tasks)
    first = task(reading, "继续推进主要粮食作物生产全程机械化")
    assert reading.section_path(first.section) == "三 (一)"
    # a paragraph cut by a blank line after '选育或引进2-3' is one task
    assert "选育或引进2-3个适宜机械化生产的品种" in task(reading, "大力推进设施菜田").content
    safeguard = task(reading, "各区农业农村部门和市属企业")
    assert reading.sections[safeguard.section].title == "加强组织领导"
    assert reading.section_path(safeguard.section) == "四 (一)"


def test_commercial_space_without_notes():
    reading = read("sh_commercial_space_action_plan.txt")
    meta = reading.meta
    assert meta.title == "上海市促进商业航天发展打造空间信息产业高地行动计划（2023—2025年）"
    assert (meta.doc_number, meta.period_start, meta.period_end) == (
        "沪府办发〔2023〕19号", date(2023, 1, 1), date(2025, 12, 31))
    first = task(reading, "提升火箭研制发射一体化能力。")
    assert reading.section_path(first.section) == "二 (一)" and first.needs_assignment
    assert reading.section_path(task(reading, "推动卫星数据协同共享。").section) == "二 (四)"
    assert reading.section_path(task(reading, "立足上海开放枢纽门户功能").section) == "三 (五)"
    assert [r.reason for r in reading.not_imported] == ["context"] + ["goal"] * 6
