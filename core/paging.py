"""Paging for big lists without OFFSET over wide joined rows or a full COUNT.

A page's ids come from a narrow query (ordering columns only), then the page's
50 rows are loaded with their joins. The pager knows whether a next page
exists but never counts the whole result: on 100,000 inquiries a COUNT with a
partial-match filter costs more than the page itself.
"""

from dataclasses import dataclass

PAGE_SIZE = 50


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(qs, page: str | int | None, *, size: int = PAGE_SIZE) -> Page:
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    ids = list(qs.values_list("pk", flat=True)[start : start + size + 1])
    rows = {obj.pk: obj for obj in qs.filter(pk__in=ids[:size])}
    return Page(
        object_list=[rows[pk] for pk in ids[:size] if pk in rows],
        number=number,
        has_next=len(ids) > size,
    )
