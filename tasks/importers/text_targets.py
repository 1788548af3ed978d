"""Numeric targets written in sentences: '商标有效注册量达到15.6万件', '培育50件高价值专利'.

Used only when a plan has no indicator table. What it finds is flagged in the warnings so the
office checks it: prose is looser than a table.
"""
from __future__ import annotations

import re

from django.utils.translation import ngettext

from .cells import parse_comparator, parse_number
from .reading import IndicatorRow, PlanReading

UNIT = r"万亿元|亿元|万元|万亩|万件|万家|件|家|个|人|颗|发|%|项|座|所|次|分"
VERB = (
    r"力争增加|增加到|增加|累计达到|达到|达|突破|超过|超|提高到|提升到|增长到|增至|保持在|"
    r"不低于|不少于"
)
# A range, 8-10个: the lower bound is the target, with 'at least'.
RANGE = r"(?:\s*[-—–~至]\s*\d+(?:\.\d+)?)?"
# name, then maybe a verb, then the number and unit: 驰名商标总量达 10件以上
NAME_FIRST = re.compile(
    rf"(?P<name>[^,，。;；、:：]{{2,40}}?)\s*(?P<verb>{VERB})?\s*"
    rf"(?P<num>\d+(?:\.\d+)?)(?P<range>{RANGE})\s*(?P<unit>{UNIT})(?P<tail>以上|左右|以内|以下)?"
)
# a verb, then the number and unit, then the name: 培育50件高价值专利
NUMBER_FIRST = re.compile(
    rf"(?P<verb>培育|建成|新增|开发|建设|培养|引进|打造|建立|推出|形成|年产)\s*"
    rf"(?P<num>\d+)(?P<range>{RANGE})\s*(?P<unit>{UNIT})(?P<tail>以上)?"
    rf"(?P<name>[^,，。;；、\d]{{2,30}})"
)
# 年产50发商业火箭、600颗商业卫星的…: a list after a verb, each number its own target.
NEXT_IN_LIST = re.compile(
    rf"、\s*(?P<num>\d+)(?P<range>{RANGE})\s*(?P<unit>{UNIT})(?P<tail>以上)?"
    rf"(?P<name>[^,，。;；、\d的]{{2,30}})"
)
LEAD_WORDS = re.compile(
    r"^(?:到\s*\d{4}\s*年(?:底|末)?|力争|确保|实现|全市|全区|全盟|我区|我市|辖区内|其中|并|且|"
    r"达到|使|通过|打造|建成|建设|培育|新增)+"
)
TRAIL_WORDS = re.compile(r"(?:力争|进一步|累计|将|要|均|上)+$")
NOT_A_TARGET = re.compile(r"原有|现有|已有|较\d|\d{4}年|同比|十三五")


def mine_targets(sentences: list[tuple[str, str]], reading: PlanReading) -> None:
    """Add an indicator for every target phrase in the given (text, where) sentences; where is
    the sentence's place as the user finds it (第 12 行, 第 3 页)."""
    found = 0
    for text, where in sentences:
        spans: list[tuple[int, int]] = []
        for match in NUMBER_FIRST.finditer(text):
            if _add(match, text, where, reading):
                spans.append(match.span())
                found += 1
            position = match.end()
            while following := NEXT_IN_LIST.match(text, position):
                position = following.end()
                if _add(following, text, where, reading):
                    spans.append(following.span())
                    found += 1
        for match in NAME_FIRST.finditer(text):
            if any(a <= match.start("num") < b for a, b in spans):
                continue
            if _add(match, text, where, reading):
                found += 1
    if found:
        reading.warn(ngettext(
            "%(count)d indicator was read from sentences, not from a table: check it",
            "%(count)d indicators were read from sentences, not from a table: check them",
            found,
        ) % {"count": found})


def _add(match, text: str, where: str, reading: PlanReading) -> bool:
    # Drop what leads up to the name: '《规划》提出到2025年…', '力争', '全市'…
    name = re.sub(r"^.*(?:到\s*\d{4}\s*年(?:底|末)?|提出|要求)", "", match.group("name").strip())
    name = TRAIL_WORDS.sub("", LEAD_WORDS.sub("", name.strip(" \"“”'"))).strip()
    name = name.strip(" \"'")
    if name.count("“") != name.count("”"):
        name = name.strip("“”")
        name = f"“{name}" if "”" in name else name
    if len(name) < 3 or len(name) > 30 or NOT_A_TARGET.search(name):
        return False
    if re.fullmatch(r"[\d.]+", name):
        return False
    verb = match.groupdict().get("verb") or ""
    tail = match.groupdict().get("tail") or ""
    span = match.groupdict().get("range") or ""
    unit = match.group("unit")
    reading.indicators.append(IndicatorRow(
        name=name,
        seq=len(reading.indicators) + 1,
        unit=unit,
        target=parse_number(match.group("num")),
        target_text=f"{match.group('num')}{span.strip()}{unit}{tail}",
        comparator=parse_comparator(tail) or ("gt" if verb in ("突破", "超过", "超") else "")
        or ("ge" if span else ""),
        target_kind="cumulative" if "累计" in text[max(0, match.start() - 4):match.end()] else "",
        source=where,
    ))
    return True
