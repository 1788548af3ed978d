"""Agency name resolution, used by every import.

Order: exact canonical name, then a known alias, then the normalized form; only when nothing
matches is a name new. A new name that is close to a known one (rapidfuzz ratio) is reported
as a suggestion for the office to confirm: it is never merged, and never created silently.
Nothing here writes to the database: the importer writes what the resolution decided.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .models import Agency, AgencyAlias

# ratio of the normalized names; 75 catches 市综合执法局 ~ 市综合行政执法局 (83) and
# 人行遵义中心支行 ~ 人民银行遵义市中心支行 (84) but not 市农业农村局 ~ 市林业局 (50).
SUGGESTION_CUTOFF = 75
DEFAULT_LEVEL = "市"
LEVELS = "省市区县盟旗州"
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,6}?)(省|自治区|市|盟|自治州|州|区|县|旗)")


def place_names(*texts: str) -> list[str]:
    """Place names a plan's agencies may start with: 遵义市人民政府 → ['遵义市', '遵义']."""
    names: list[str] = []
    for text in texts:
        position = 0
        for match in _PLACE.finditer(text or ""):
            if match.start() != position:
                break  # only the leading run of places: 济南市槐荫区…
            stem, level = match.groups()
            names += [stem + level, stem]
            position = match.end()
    return sorted(dict.fromkeys(names), key=len, reverse=True)


def own_level(*texts: str) -> str:
    """The level an issuer's own agencies are prefixed with: 济南市槐荫区人民政府 → 区.

    Only that level is dropped in normalization, so a district's 区财政局 never matches the
    city's 市财政局.
    """
    level = DEFAULT_LEVEL
    for text in texts:
        position, found = 0, None
        for match in _PLACE.finditer(text or ""):
            if match.start() != position:
                break
            found, position = match.group(2), match.end()
        if found:
            return found[-1]
    return level


def normalize(name: str, places=(), level: str = DEFAULT_LEVEL) -> str:
    """The form two spellings of one agency share.

    Full-width and half-width punctuation and spaces are unified (NFKC), 市 inside a bracket
    is dropped ((市知识产权局) = (知识产权局)), and a leading place name (遵义, 遵义市) or the
    plan's own level (市 in a city's plan) is removed when something specific remains.
    """
    key = unicodedata.normalize("NFKC", name)
    key = re.sub(r"\s+", "", key).replace("〔", "(").replace("〕", ")")
    key = re.sub(r"\((?:市|区|县)", "(", key)
    for place in places:
        if key.startswith(place) and len(key) - len(place) >= 3:
            return key[len(place):]  # 遵义市市场监管局: the 市 left is 市场's
    if key.startswith(level) and len(key) >= 4:
        key = key[1:]
    return key


def display_name(raw: str) -> str:
    """How a new agency is named: the source's spelling without stray spaces."""
    return re.sub(r"\s+", "", raw.strip())


@dataclass
class NameMatch:
    raw: str
    canonical: str
    how: str  # "exact", "alias", "normalized", "new"
    agency_id: int | None = None
    suggestion: str | None = None  # canonical name of a near match, for new names
    score: float | None = None


@dataclass
class Resolution:
    matches: dict[str, NameMatch] = field(default_factory=dict)

    def canonical(self, raw: str) -> str:
        return self.matches[raw].canonical

    def matched(self) -> list[str]:
        return _unique(m.canonical for m in self.matches.values() if m.how != "new")

    def new(self) -> list[str]:
        return _unique(m.canonical for m in self.matches.values() if m.how == "new")

    def suggestions(self) -> list[dict]:
        seen, out = set(), []
        for m in self.matches.values():
            if m.suggestion and m.canonical not in seen:
                seen.add(m.canonical)
                out.append({"name": m.canonical, "candidate": m.suggestion, "score": m.score})
        return out


_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")


def _near_match(key: str, name: str, known_keys: dict[str, str]):
    """A known agency that may be the same: one name with a bracketed second name
    (市市场监管局 ~ 市市场监管局(市知识产权局)), else the closest by rapidfuzz ratio."""
    base = _TRAILING_BRACKET.sub("", key)
    for known, canonical in known_keys.items():
        same_base = known != key and _TRAILING_BRACKET.sub("", known) == base
        if same_base and not _other_level(name, canonical):
            return canonical, 100.0
    for known, score, _ in process.extract(
        key, list(known_keys), scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF, limit=5
    ):
        if not _other_level(name, known_keys[known]):
            return known_keys[known], round(score, 1)
    return None, None


def _other_level(a: str, b: str) -> bool:
    """区检察院 and 市检察院 are alike in writing but are a district's and a city's."""
    return a[:1] in LEVELS and b[:1] in LEVELS and a[:1] != b[:1]


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))


class AgencyDirectory:
    """Everything known about agency names, loaded once per import (two queries)."""

    def __init__(self, places=(), level: str = DEFAULT_LEVEL):
        self.places, self.level = list(places), level
        self.by_name: dict[str, tuple[int, str]] = {}
        self.by_key: dict[str, tuple[int, str]] = {}
        for agency in Agency.objects.only("id", "name"):
            self._know(agency.name, agency.id, agency.name)
        for alias in AgencyAlias.objects.select_related("agency").only("name", "agency__name"):
            self._know(alias.name, alias.agency_id, alias.agency.name)

    def _know(self, name: str, agency_id: int, canonical: str) -> None:
        self.by_name.setdefault(name, (agency_id, canonical))
        self.by_key.setdefault(normalize(name, self.places, self.level), (agency_id, canonical))

    def resolve_all(self, raw_names: list[str]) -> Resolution:
        """Resolve every spelling of one reading together, so its own variants agree."""
        resolution = Resolution()
        unknown: dict[str, list[str]] = {}  # normalized key → raw spellings, in order met
        for raw in dict.fromkeys(raw_names):
            match = self._resolve_known(raw)
            if match:
                resolution.matches[raw] = match
            else:
                unknown.setdefault(normalize(raw, self.places, self.level), []).append(raw)
        self._name_new(unknown, raw_names, resolution)
        return resolution

    def known(self, raw: str) -> NameMatch | None:
        """The agency a typed name stands for (exact, alias or normalized), else None: the
        office's pages resolve names the way the importer does."""
        return self._resolve_known(raw)

    def _resolve_known(self, raw: str) -> NameMatch | None:
        if raw in self.by_name:
            agency_id, canonical = self.by_name[raw]
            how = "exact" if raw == canonical else "alias"
            return NameMatch(raw, canonical, how, agency_id)
        stripped = display_name(raw)
        if stripped in self.by_name:
            agency_id, canonical = self.by_name[stripped]
            return NameMatch(raw, canonical, "alias", agency_id)
        key = normalize(raw, self.places, self.level)
        if key in self.by_key:
            agency_id, canonical = self.by_key[key]
            return NameMatch(raw, canonical, "normalized", agency_id)
        return None

    def _name_new(self, unknown: dict[str, list[str]], raw_names: list[str], resolution):
        """One new agency per normalized key, named by its most frequent spelling."""
        counts = Counter(raw_names)
        known_keys = {key: canonical for key, (_, canonical) in self.by_key.items()}
        for key, spellings in unknown.items():
            best = max(spellings, key=lambda s: (counts[s], -spellings.index(s)))
            canonical = display_name(best)
            suggestion, score = _near_match(key, canonical, known_keys)
            for raw in spellings:
                resolution.matches[raw] = NameMatch(raw, canonical, "new", None, suggestion, score)
            known_keys[key] = canonical
