"""Plan metadata from the opening and closing lines: title, issuer, 文号, issue date, period."""
from __future__ import annotations

import re
from datetime import date

from .cells import clean, month_end, parse_date
from .reading import PlanMeta

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_TITLE_PATTERNS = [
    re.compile(r"关于印发《?(.{4,80}?)》?的通知"),
    re.compile(r"现将《(.{4,80}?)》印发"),
    re.compile(r"(?:编制|制定|制订)了?《?([^《》,，。]{4,60}?(?:规划|方案))》?"),
]
_QUOTED_PLAN = re.compile(r"《([^《》]{4,80}?(?:规划|方案|计划)(?:[(（][^()（）]*[)）])?)》")
_PILOT_PERIOD = re.compile(
    r"(?:期限|期间|周期)?自?(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:至|到|—|-|~)\s*(\d{4})\s*年\s*(\d{1,2})\s*月"
)
_YEAR_SPAN = re.compile(r"[(（]\s*(\d{4})\s*[—–\-~至]+\s*(\d{4})\s*年?\s*[)）]")
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}
HEAD_LINES = 12  # a title in 《》 counts only near the top: later ones cite other documents


def read_meta(lines: list[str]) -> PlanMeta:
    meta = PlanMeta()
    text = "\n".join(lines)
    meta.title = _title(lines)
    if match := _DOC_NUMBER.search(text):
        meta.doc_number = re.sub(r"\s+", "", match.group())
    meta.issuer, meta.issued_on = _issuer_and_date(lines)
    meta.period_start, meta.period_end = period_of(meta.title, text)
    return meta


def _title(lines: list[str]) -> str:
    head = [clean(line) for line in lines if line.strip()][:HEAD_LINES]
    for pattern in _TITLE_PATTERNS:
        for line in head:
            if match := pattern.search(line):
                return match.group(1).strip()
    for line in head:
        if match := _QUOTED_PLAN.search(line):
            return match.group(1)
    return ""


def _issuer_and_date(lines: list[str]) -> tuple[str, date | None]:
    """The signature: an agency's name on the line above a date line."""
    stripped = [clean(line) for line in lines]
    for index, line in enumerate(stripped):
        if _DATE_LINE.match(line):
            previous = next((s for s in reversed(stripped[:index]) if s), "")
            signature = len(previous) <= 40 and not re.search(r"[。,，;；]", previous)
            issuer = previous if signature else ""
            return issuer, parse_date(line)
    return "", None


def period_of(title: str, text: str) -> tuple[date | None, date | None]:
    if match := _PILOT_PERIOD.search(text):
        y1, m1, y2, m2 = (int(g) for g in match.groups())
        return date(y1, m1, 1), month_end(y2, m2)
    # Only the title's own years: the text cites other plans' spans (纲要(2021—2035年)).
    if match := _YEAR_SPAN.search(title):
        y1, y2 = (int(g) for g in match.groups())
        if 2000 <= y1 <= y2 <= 2100:
            return date(y1, 1, 1), date(y2, 12, 31)
    for name, (y1, y2) in _FIVE_YEAR.items():
        if name in title:
            return date(y1, 1, 1), date(y2, 12, 31)
    return None, None
