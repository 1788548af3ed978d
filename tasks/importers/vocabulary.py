"""The words of the domain, in one place: every grammar of every format reads plans with these.

A task table's header, a responsibility note at the end of a paragraph and a chapter's title
use the same few words — 牵头, 责任, 配合, 保障措施… — however the plan reaches duban (.xlsx,
.docx, .html, PDF or text). Changing what a word means here changes it for every format.
"""
from __future__ import annotations

import re

# ---- roles of agencies ----------------------------------------------------------------------

# In a header or a note: the agencies answerable for the work.
LEAD_WORDS = r"牵头|主办|主责"
# Agencies named without saying who leads: the first one listed leads (or a rule says so).
RESPONSIBLE_WORDS = r"责任|负责"
# Agencies that contribute.
SUPPORTING_WORDS = r"配合|协办|参与|协同|协助|支持"
AGENCY_WORDS = re.compile(rf"{LEAD_WORDS}|{RESPONSIBLE_WORDS}|{SUPPORTING_WORDS}")

# ---- table headers ----------------------------------------------------------------------------

SEQ_HEADER = r"序号|编号"
DEADLINE_HEADER = r"时限|时间节点|完成时间|完成期限|时间安排|进度安排|时间进度|进度要求"
# Most specific first: with 重点任务 | 具体措施, the second holds the tasks and the first is
# a category column.
CONTENT_HEADER_WORDS = (
    "主要工作内容", "工作内容", "任务内容", "具体任务", "工作措施", "具体措施", "主要措施",
    "具体举措", "主要举措", "工作举措", "任务举措", "具体工作", "工作事项", "任务事项",
    "任务名称", "工作要点", "重点工作", "主要内容", "工作任务", "重点任务", "主要任务", "任务",
    "措施", "举措", "内容",
)
# A column of people, not agencies, even when its header says 牵头 or 责任 (牵头市领导).
PEOPLE_HEADER = re.compile(r"领导|负责人|联系人|电话|责任人")
TASK_TABLE_ROLES = (("seq", SEQ_HEADER), ("lead", LEAD_WORDS))
# Without a 牵头 column, a 责任单位 column names the agencies answerable: they are the leads.
LONE_LEAD_ROLE = (("lead", r"责任|负责|主责"),)
OTHER_TASK_TABLE_ROLES = (
    ("supporting", rf"责任|{SUPPORTING_WORDS}"),
    ("deadline", DEADLINE_HEADER),
)
INDICATOR_TABLE_ROLES = (
    ("seq", SEQ_HEADER),
    ("category", r"类别|分类|领域|类型"),
    ("attribute", r"属性|性质"),
    ("lead", r"牵头|责任|负责"),
    ("unit", r"^(计量|指标)?单位"),
    ("baseline", r"基期|基准|现状|基数|现值"),
    ("target", r"目标|规划值|预期值"),
    ("name", r"指标|名称"),
)
# A column headed by a year or a five-year plan's end (2020年, 十四五末) holds values: the later
# one the target, the earlier the baseline.
PERIOD_HEADER = re.compile(r"((?:19|20)\d\d)\s*年|十([一二三四五六七八九])五")
# Other columns a header may have: known, so that the header is read whole.
OTHER_HEADER = re.compile(r"备注|说明|年均(?:增长)?(?:/|／)?累计|年均|累计|指标性质|责任领导")
# Labels under a baseline/target header, on a row of their own (十三五末 | 十四五末).
PERIOD_LABEL = re.compile(r"^(十[一二三四五六七八九]五末|\d{4}\s*年(末|底)?|基期|现状|规划期末)$")




# ---- responsibility notes ---------------------------------------------------------------------

# The labelled form: (责任单位:A、B), (牵头单位:A;配合单位:B、C), (牵头部门:A、B).
NOTE_LABEL = re.compile(
    r"(牵头单位|牵头部门|主办单位|主责单位|主责部门|责任单位|责任部门|负责单位|配合单位|配合部门|"
    r"参与单位|参与部门|协办单位|协同单位|协同部门|协助单位|支持单位)\s*[:：]"
)


def label_role(label: str) -> str:
    """'lead', 'responsible' or 'supporting' for a NOTE_LABEL label."""
    if re.match(LEAD_WORDS, label):
        return "lead"
    if re.match(RESPONSIBLE_WORDS, label):
        return "responsible"
    return "supporting"


# The spoken form: a clause of names ending in its role. Longest endings first.
CLAUSE_ROLE = re.compile(
    r"(?:等(?:有关部门和单位|有关部门|有关单位|相关部门)?)?"
    r"(牵头负责|牵头落实|牵头|按职责分工负责|分工负责|共同负责|负责落实|负责|"
    r"配合落实|配合|参与|协办|协同|协助)$"
)
CLAUSE_ROLES = {
    "牵头负责": "lead", "牵头落实": "lead", "牵头": "lead",
    "按职责分工负责": "responsible", "分工负责": "responsible", "共同负责": "responsible",
    "负责落实": "responsible", "负责": "responsible",
}
# A rule, stated once in a note, for all the notes after it: the first unit listed leads.
LEAD_FIRST_RULE = re.compile(
    r"[，,;；。]?\s*(?:排在|排|列在|列)第一位的?(?:部门|单位|者)?(?:为|是)牵头(?:部门|单位)"
    r"[，,]?\s*(?:下同)?"
)
# 由A牵头 in an item's own words, when it has no bracketed note.
LED_BY = re.compile(
    r"由(?P<lead>[^，,。；;由]{2,60}?)(?P<role>牵头负责|牵头|负责)"
    r"(?:[，,](?P<supporting>[^，,。；;]{2,80}?)(?:配合|参与|协同|协助))?[。；;]?$"
)
# What comes after 等 or 会同 and names nobody in particular: dropped from the list.
GENERIC_OTHERS = re.compile(
    r"^(?:其他|其它)?(?:有关|相关)?(?:部门|单位|方面)(?:和(?:单位|部门))?$"
)

# ---- collectives (agency groups) --------------------------------------------------------------

# An entry that stands for several agencies: 各区政府, 各省级人民政府, 各有关单位,
# 领导小组各成员单位, 各项目牵头单位, 相关区政府.
COLLECTIVE = re.compile(
    r"^各|^(?:有关|相关)\S*(?:政府|单位|部门)|成员单位$|(?:有关|相关)(?:单位|部门)$"
)
# What may follow 各区 after a 、 and still be the same collective: 各区、县级市 (人民政府).
COLLECTIVE_TAIL = re.compile(
    r"^(?:县级市|县|市|区|旗|盟|乡|镇|乡镇|街道|州|自治州|地|自治区|直辖市|开发区|园区|管委会)"
    r"(?:人民政府|政府|党委|管委会)?$"
)


def is_collective(name: str) -> bool:
    """各县(市、区)人民政府, …领导小组相关成员单位: a group of agencies, not one."""
    return bool(COLLECTIVE.search(name))


# ---- chapters -----------------------------------------------------------------------------------

# What a heading's words say its content is. 'tasks' is the default.
CONTEXT_WORDS = re.compile(
    r"^(?:规划背景|发展背景|发展基础|工作基础|发展环境|发展现状|现状|面临形势|形势|发展成就|"
    r"指导思想|总体要求|总体思路|基本原则|工作原则|目\s*录|重要意义|编制依据|适用范围)"
)
TARGET_WORDS = re.compile(r"目标|指标")
SAFEGUARD_WORDS = re.compile(
    r"保障措施|实施保障|组织保障|保障机制|组织实施|组织领导|工作要求|有关要求|实施要求|其他事项"
)


def chapter_kind(title: str) -> str:
    """'context', 'targets', 'safeguards' or 'tasks' for a heading's title."""
    title = re.sub(r"\s+", "", title)
    if CONTEXT_WORDS.search(title):
        return "context"
    if TARGET_WORDS.search(title) and len(title) <= 16:
        return "targets"
    if SAFEGUARD_WORDS.search(title):
        return "safeguards"
    return "tasks"


# ---- the furniture of a published document ----------------------------------------------------

# Lines that belong to the web page or the crawler, never to the plan.
BOILERPLATE = re.compile(
    r"扫一扫|扫码|在手机|您访问的链接|是否继续|打印本页|关闭窗口|^字号[:：]?$|^大\s*中\s*小$|"
    r"^[(（]此件公开发布[)）]$|^资料来源|^【原文下载】$|^【(?:打印|关闭)】|^相关附件|^附件下载"
)
# A crawler's markdown header: **发布日期**: 2025-08-07.
CRAWLER_FIELD = re.compile(
    r"^\*\*(?:发布日期|发布机构|原文链接|检索时间|检索关键词|分类|来源|更新时间|索引号|主题分类|"
    r"发文字号|成文日期|发布时间|文号|关键词)\*\*\s*[:：]"
)
# 现将《…》印发给你们: the notice that carries a plan, not the plan.
TRANSMITTAL = re.compile(
    r"印发给你们|现予印发|现印发|现将.{0,80}印发|请认真(?:贯彻|组织|按照|遵照)"
)
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*第?\s*\d+\s*号")
ADDRESSEE = re.compile(r"^[^。]{2,120}[:：]$")
PLAN_KINDS = r"规划|方案|计划|意见|措施|办法|通知|决定|纲要|要点|清单|细则|政策|举措"
