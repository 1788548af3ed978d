"""Reading one cell or phrase of a plan: agency lists, numbers, targets, deadlines.

Shared by every reader so that a table in .xlsx and the same table as published text give
the same result.
"""
from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from . import vocabulary as words

CJK = r"\u3400-\u9fff\uf900-\ufaff"
_WIDE = rf"[{CJK}、,，。;；:：()（）《》“”]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_WIDE})\s+(?={_WIDE})")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def clean(text: str) -> str:
    """Trim, collapse runs of spaces and drop the spaces a column wrap left between CJK text."""
    text = _SPACES.sub(" ", text.replace("\u200b", "")).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


OPEN = "(（[【〔"
CLOSE = ")）]】〕"
GROUP_SEPARATORS = ",，;；"
ITEM_SEPARATORS = "、"


def split_top_level(text: str, separators: str) -> list[str]:
    """Split on separators that are not inside brackets: 各县(市、区)人民政府 stays whole."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def split_agency_names(text: str) -> list[str]:
    """All names in a cell or a note, in order: 、 inside a group and , ; between groups."""
    names = []
    for group in split_top_level(clean(text), GROUP_SEPARATORS):
        names.extend(split_names(group))
    return names


# 全国总工会等和各省级人民政府, 商务部等有关部门, 国家发展改革委会同有关部门, 浦东新区等相关区政府
_JOINED = re.compile(r"等和|和(?=各)|等(?=各|有关|相关|其他|其它|部门|单位)|会同")


def split_names(text: str) -> list[str]:
    """The names of one 、-separated list. A collective stays whole (各区、县级市); what follows
    等 or 会同 is kept only when it names a group (相关区政府), not 有关部门 in general."""
    pieces: list[str] = []
    for piece in split_top_level(text, ITEM_SEPARATORS):
        if pieces and words.COLLECTIVE_TAIL.match(piece) and is_collective(pieces[-1]):
            pieces[-1] = f"{pieces[-1]}、{piece}"
        else:
            pieces.append(piece)
    names = []
    for piece in pieces:
        for position, part in enumerate(_JOINED.split(piece)):
            part = re.sub(r"等$", "", part.strip(" .。:：")).strip()
            if not part or (position and words.GENERIC_OTHERS.match(part)):
                continue
            names.append(part)
    return names


def is_collective(name: str) -> bool:
    """各县(市、区)人民政府, …领导小组相关成员单位: a group of agencies, not one."""
    return words.is_collective(name)


_AGENCY_END = re.compile(
    r"(局|委|办|部|厅|院|府|会|行|关|中心|室|队|处|所|站|署|社|联|央|组|单位|部门|公司|协会|园区|"
    r"集团|学校|大学|人大|政协)$"
)
_TRAILING_BRACKET = re.compile(r"\s*[(（][^()（）]*[)）]$")


def looks_like_agency(name: str) -> bool:
    base = _TRAILING_BRACKET.sub("", name)
    return 1 < len(base) <= 40 and "。" not in name and bool(_AGENCY_END.search(base))


def looks_like_agency_list(text: str) -> bool:
    text = clean(text)
    if not text or "。" in text or len(text) > 400:
        return False
    names = split_agency_names(text)
    return bool(names) and all(looks_like_agency(n) for n in names)


_NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")


def parse_number(text: str) -> Decimal | None:
    match = _NUMBER.search(text or "")
    if not match:
        return None
    try:
        return Decimal(match.group().replace(",", ""))
    except InvalidOperation:
        return None


_COMPARATORS = [
    ("≥", "ge"), (">=", "ge"), ("≤", "le"), ("<=", "le"), (">", "gt"), ("<", "lt"),
    ("=", "eq"), ("以上", "ge"), ("不低于", "ge"), ("不少于", "ge"), ("超过", "gt"),
    ("以下", "le"), ("不高于", "le"), ("不超过", "le"), ("低于", "lt"),
    # A change rather than a level: 下降15%, 增长20%.
    ("下降", "decrease_pct"), ("降低", "decrease_pct"), ("减少", "decrease_pct"),
    ("增长", "increase_pct"), ("提高", "increase_pct"),
]


def parse_comparator(text: str) -> str:
    for token, value in _COMPARATORS:
        if token in text:
            return value
    return ""


def infer_comparator(stated: str, name: str, unit: str) -> str:
    """A stated comparator, else 'increase by %' for a % indicator named …增长 (较2021年增长20%)."""
    if stated or unit != "%":
        return stated
    if re.search(r"(增长|提高|提升)$", name):
        return "increase_pct"
    if re.search(r"(下降|降低|减少)$", name):
        return "decrease_pct"
    return ""


_UNIT_IN_NAME = re.compile(r"^(.*?\S)\s*[(（]\s*([%‰％]|[\u4e00-\u9fff/·]{1,6})\s*[)）]$")


def name_and_unit(name: str) -> tuple[str, str]:
    """城镇调查失业率(%) → ('城镇调查失业率', '%'): a 专栏 without a unit column puts it here."""
    match = _UNIT_IN_NAME.match(name)
    if not match or re.search(r"(局|委|办|部|厅|院|府|会)$", match.group(2)):
        return name, ""
    return match.group(1), match.group(2).replace("％", "%")


def parse_target_kind(text: str) -> str:
    if "累计" in text:
        return "cumulative"
    if "期间" in text or "年均" in text:
        return "period"
    return ""


def parse_attribute(text: str) -> str:
    if "约束" in text:
        return "binding"
    if "预期" in text:
        return "expected"
    return ""


def parse_target(text: str) -> dict:
    """'20 (累计数)' → value 20, kind cumulative; '≥85' → value 85, comparator ge."""
    text = clean(text or "")
    return {
        "value": parse_number(text),
        "comparator": parse_comparator(text),
        "kind": parse_target_kind(text),
        "text": text,
    }


_YEAR_END = re.compile(r"(20\d\d)\s*年\s*(?:底|年底|末|年末)")
_YEAR_MONTH = re.compile(r"(20\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_YEAR_ONLY = re.compile(r"(?:到|至|于|在)?\s*(20\d\d)\s*年(?:前|内|以前)?")
_ISO = re.compile(r"(20\d\d)[-/.](\d{1,2})[-/.](\d{1,2})")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str) -> tuple[date | None, str]:
    """A deadline cell: '2025年底前' → 2025-12-31; '2023年6月' → 2023-06-30; '持续推进' → text."""
    text = clean(text or "")
    if not text:
        return None, ""
    if match := _ISO.search(text):
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day), text
    if match := _YEAR_MONTH.search(text):
        year, month, day = match.groups()
        if day:
            return date(int(year), int(month), int(day)), text
        return month_end(int(year), int(month)), text
    if match := _YEAR_END.search(text):
        return date(int(match.group(1)), 12, 31), text
    if match := _YEAR_ONLY.search(text):
        return date(int(match.group(1)), 12, 31), text
    return None, text


def parse_date(text: str) -> date | None:
    """'2022年10月21日' or '2022-10-21' → a date; None when it is not a whole date."""
    text = clean(text or "")
    if match := _ISO.search(text):
        return date(*(int(g) for g in match.groups()))
    match = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    if match:
        return date(*(int(g) for g in match.groups()))
    return None
