"""Plan metadata from the opening and closing lines: title, issuer, 文号, issue date, period.

The title is the document's own: a title broken over two lines is joined, a crawler's markdown
header (# …) is read past, and a notice that carries a plan (关于印发《X》的通知) names the plan
X, not the notice.
"""
from __future__ import annotations

import re
from datetime import date

from . import vocabulary as words
from .cells import clean, month_end, parse_date
from .document import BOLD_LINE, DATE_LINE, MARKDOWN_HEADING, is_furniture, numbering
from .reading import PlanMeta

HEAD_LINES = 16  # a title counts only near the top: later ones cite other documents
TITLE_LINES = 3  # a title may be broken over this many lines
TITLE_MAX = 40  # characters on one line of a title
_CARRIED = re.compile(r"关于印发《?(.{4,100}?)》?的通知")
_TITLE_PATTERNS = [
    re.compile(r"现将《(.{4,80}?)》印发"),
    re.compile(r"(?:编制|制定|制订)了?《?([^《》,，。]{4,60}?(?:规划|方案))》?"),
]
_QUOTED_PLAN = re.compile(r"《([^《》]{4,80}?(?:规划|方案|计划)(?:[(（][^()（）]*[)）])?)》")
_OWN_TITLE = re.compile(
    rf"(?:{words.PLAN_KINDS})(?:[(（]\s*\d{{4}}\s*[—–\-~至]+\s*\d{{4}}\s*年?\s*[)）])?$"
)
_PILOT_PERIOD = re.compile(
    r"(?:期限|期间|周期|实施时间|试点时间)[^。,，;；]{0,6}?"
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:至|到|—|-|~)\s*(\d{4})\s*年\s*(\d{1,2})\s*月"
)
_IN_FORCE = re.compile(
    r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日起(?:施行|实施|执行)[^。]{0,6}?有效期至\s*"
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
_YEAR_SPAN = re.compile(r"[(（]\s*(\d{4})\s*[—–\-~至]+\s*(\d{4})\s*年?\s*[)）]")
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}
_PUNCTUATION = re.compile(r"[\s《》<>〈〉“”\"'‘’「」()（）—–\-]")


def read_meta(lines: list[str]) -> PlanMeta:
    meta = PlanMeta()
    text = "\n".join(lines)
    head = _head(lines)
    meta.title = _title(head, lines, [clean(line) for line in lines if line.strip()][:12])
    meta.doc_number = _doc_number(head)
    meta.issuer, meta.issued_on = _issuer_and_date(lines)
    meta.period_start, meta.period_end = period_of(meta.title, text)
    return meta


def _head(lines: list[str]) -> list[str]:
    """The first lines that hold text of the document (not the crawler's fields)."""
    head = []
    for line in lines:
        # Spaces kept: a title's own (基础研究 增强) is not a column wrap.
        line = re.sub(r"[ \t\u3000\xa0]+", " ", line.replace("\u200b", "")).strip()
        if not line or (is_furniture(line) and not MARKDOWN_HEADING.match(line)):
            continue
        head.append(line)
        if len(head) >= HEAD_LINES:
            break
    return head


def _unmarked(line: str) -> str:
    if match := MARKDOWN_HEADING.match(line):
        return match.group(2).strip()
    if match := BOLD_LINE.match(line):
        return match.group(1).strip()
    return line


def _title(head: list[str], lines: list[str], top: list[str]) -> str:
    """top: the first non-empty lines as they are, for the weak clues (a quoted plan's name)."""
    texts = [_unmarked(line) for line in head]
    joined = texts + ["".join(texts[i:i + 2]) for i in range(len(texts) - 1)]
    for text in joined:
        if match := _CARRIED.search(text):
            return match.group(1).strip()
    crawler = next((_unmarked(line) for line in head if MARKDOWN_HEADING.match(line)
                    and _OWN_TITLE.search(_unmarked(line))), "")
    if crawler:
        return _as_written(crawler, lines)
    if opening := _opening_title(texts):
        return opening
    for pattern in _TITLE_PATTERNS:
        for text in top:
            if match := pattern.search(text):
                return match.group(1).strip()
    for text in top:
        if match := _QUOTED_PLAN.search(text):
            return match.group(1)
    return ""


def _as_written(title: str, lines: list[str]) -> str:
    """The crawler's title, as the document itself spells it when a line of it does."""
    key = _PUNCTUATION.sub("", title)
    for line in lines:
        text = _unmarked(clean(line))
        if text != title and len(text) <= len(title) + 8 and _PUNCTUATION.sub("", text) == key:
            return text
    return title


def _opening_title(texts: list[str]) -> str:
    """国务院关于促进综合保税区 / 高水平开放高质量发展的若干意见: the opening lines, before the
    文号, the addressee, the date or the first sentence, that end as a plan's title does; a line
    before it belongs to it until the title has its 关于 (a breadcrumb never does)."""
    opening = []
    for text in texts:
        if (words.DOC_NUMBER.fullmatch(text) or words.ADDRESSEE.match(text)
                or DATE_LINE.match(text) or MARKDOWN_HEADING.match(text)
                or numbering(text)[0] >= 0 or re.search(r"[。;；!?！？]", text)):
            break
        opening.append(text)
    for end, text in enumerate(opening):
        if not _OWN_TITLE.search(text):
            continue
        start = end
        while (start > 0 and end - start < TITLE_LINES - 1
               and "关于" not in "".join(opening[start:end + 1])
               and _title_part(opening[start - 1])):
            start -= 1
        title = "".join(opening[start:end + 1])
        if len(title) <= 100:
            return title
    return ""


def _title_part(text: str) -> bool:
    return len(text) <= TITLE_MAX and not re.search(r"[>|›»/:：,，]", text)


def _doc_number(head: list[str]) -> str:
    """文号 on a line of its own near the top; 文号 cited in the body are other documents'."""
    for text in head:
        match = words.DOC_NUMBER.search(text)
        if match and len(text) <= len(match.group()) + 12 and "《" not in text:
            return re.sub(r"\s+", "", match.group())
    return ""


def _issuer_and_date(lines: list[str]) -> tuple[str, date | None]:
    """The signature: an agency's name on the line above a date line."""
    stripped = [clean(line) for line in lines]
    for index, line in enumerate(stripped):
        if DATE_LINE.match(line):
            previous = next((s for s in reversed(stripped[:index]) if s), "")
            signature = len(previous) <= 40 and not re.search(r"[。,，;；:：]", previous)
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
    if match := _IN_FORCE.search(text):
        y1, m1, d1, y2, m2, d2 = (int(g) for g in match.groups())
        return date(y1, m1, d1), date(y2, m2, d2)
    return None, None
