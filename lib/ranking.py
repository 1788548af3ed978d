"""Ranks as an office writes them: tied values share a rank, 并列 (1, 2, 2, 4).

`rank(rows, key)` numbers rows already sorted best first by standard competition ranking: a
row equal on `key` to the one before it shares its rank, and the next different row's rank
counts every row above it. Each row gets "rank" (an int) and "tied" (True when another row
shares it); `rank_label` writes it: "并列第2" for a tie, else "2". The dashboard's ranking, the
scorecard, the assessment and the bulletin all rank through here.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.utils.translation import gettext as _


def rank(rows: list, key: Callable, *, attr: bool = False) -> list:
    """Set each row's rank and tie (dict keys, or attributes with attr=True); the rows."""
    ranks, previous = [], object()
    for n, row in enumerate(rows, 1):
        value = key(row)
        ranks.append(ranks[-1] if value == previous and ranks else n)
        previous = value
    shared = Counter(ranks)
    for row, r in zip(rows, ranks, strict=True):
        if attr:
            row.rank, row.tied = r, shared[r] > 1
        else:
            row["rank"], row["tied"] = r, shared[r] > 1
    return rows


def rank_label(rank: int | None, tied: bool) -> str:
    """并列第2 for a shared rank (zh-hans), else the number; "—" for no rank."""
    if rank is None:
        return "—"
    return _("tied for %(rank)s") % {"rank": rank} if tied else str(rank)
