"""The leading group (领导小组): 组长/副组长/成员 lines with names and posts, and its office."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from agencies.resolution import normalize

from .cells import clean
from .reading import LeadingGroupReading, MemberRow

ROLE_PREFIX = re.compile(r"^(组\s*长|副\s*组\s*长|成\s*员)\s*[:：]\s*")
ROLES = {"组长": "leader", "副组长": "deputy", "成员": "member"}
# A two-character name is padded to three: 白 雪. A name is 2–4 characters.
NAME_POST = re.compile(
    r"^(?:([\u4e00-\u9fff])[ \u3000]+([\u4e00-\u9fff])|([\u4e00-\u9fff]{2,4}))[ \u3000]+(\S.+)$"
)
TITLE = re.compile(
    r"党组成员|党组书记|[一二三四]级(?:调研员|巡视员)|食品安全总监|总经济师|总工程师|"
    r"副?(?:秘书长|市长|县长|区长|盟长|旗长|局长|主任|部长|院长|检察长|关长|行长|支队长|"
    r"队长|书记|处长|科长|庭长|总监|调研员|巡视员|委员)"
)
OFFICE_AT = re.compile(r"办公室设在([^,，。;；]+?)(?:[,，。;；]|$)")
DIRECTOR = re.compile(r"([\u4e00-\u9fff]{2,3})同志(?:兼|担)?任办公室主任")
SIMILAR_PREFIX = 90  # 市科技局与大数据局 ≈ 市科技与大数据局 (93)


def _line(text: str) -> str:
    """Spaces kept: they separate a name from its post (白 雪 市人民政府副秘书长)."""
    return re.sub(r"[ \t\u3000\xa0]+", " ", text).strip()


def read_leading_group(lines: list[str], known_agencies: list[str], places, level):
    """The first 组长: list in the text, or None when the plan has none."""
    start = next((i for i, line in enumerate(lines) if ROLE_PREFIX.match(_line(line))), None)
    if start is None:
        return None
    group = LeadingGroupReading(name=_group_name(lines, start))
    role = "member"
    index = start
    for index in range(start, len(lines)):
        line = _line(lines[index])
        if not line:
            continue
        if prefix := ROLE_PREFIX.match(line):
            role = ROLES[re.sub(r"\s+", "", prefix.group(1))]
            line = line[prefix.end():]
        match = NAME_POST.match(line)
        if not match or re.search(r"[。,，;；]", line):
            break
        name = "".join(g for g in match.groups()[:3] if g)
        post = match.group(4).strip()
        agency = agency_of_post(post, known_agencies, places, level)
        group.members.append(MemberRow(name=name, role=role, post=post, agency=agency))
    tail = " ".join(clean(line) for line in lines[index:index + 6])
    if match := OFFICE_AT.search(tail):
        group.office_agency = match.group(1).strip()
    if match := DIRECTOR.search(tail):
        group.office_director = match.group(1)
    return group


def _group_name(lines: list[str], start: int) -> str:
    above = [clean(line) for line in lines[max(0, start - 3):start] if clean(line)]
    names = ["".join(above[-size:]) for size in (1, 2, 3)]
    names = [n for n in names if n.endswith("领导小组") and "附件" not in n]
    return names[-1] if names else ""


def agency_of_post(post: str, known: list[str], places, level) -> str:
    """'市市场监管局(知识产权局)局长' → '市市场监管局(知识产权局)': the text before the title."""
    match = TITLE.search(post)
    agency = post[:match.start()] if match and match.start() > 0 else post
    agency = agency.rstrip("、,， ")
    return _known_prefix(agency, known, places, level) or agency


def _known_prefix(agency: str, known: list[str], places, level) -> str | None:
    """A leading part of a long post that is, or is close to, an agency the plan names."""
    keys = {normalize(name, places, level) for name in known}
    if normalize(agency, places, level) in keys:
        return agency
    for end in range(len(agency) - 1, 2, -1):
        prefix = agency[:end]
        if prefix[-1] not in "局委院办部行会府":
            continue
        key = normalize(prefix, places, level)
        if key in keys or any(fuzz.ratio(key, k) >= SIMILAR_PREFIX for k in keys):
            return prefix
    return None
