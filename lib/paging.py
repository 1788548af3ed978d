"""One way to page a list (Django's Paginator), for every list page.

`paged(request, rows, per_page)` gives the page asked for by `?page=` (the last for a number
past the end, the first for anything else) and the query string of the other parameters, so
that the page links keep the list's filters and sort. The template partial
`templates/_pages.html` draws the links from both.

`LazyRows` lets a list whose order is known from light keys (ids, dates) build its heavy rows
for the page shown only: Paginator takes its length and slices it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator


@dataclass
class Paged:
    page: Page
    query: str  # the request's query string without `page`, for the page links

    @property
    def rows(self) -> list:
        return list(self.page.object_list)

    def context(self) -> dict:
        return {"page": self.page, "query": self.query}


def paged(request, rows, per_page: int, *, drop: tuple[str, ...] = ("format",)) -> Paged:
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return Paged(page, query.urlencode())


class LazyRows(Sequence):
    """`keys` in their final order; `build(keys)` turns a slice of them into rows."""

    def __init__(self, keys: list, build: Callable[[list], list]):
        self.keys, self.build = keys, build

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.build(self.keys[index])
        return self.build([self.keys[index]])[0]
