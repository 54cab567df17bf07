"""A paginator that stops counting, for admin changelists over 100,000 mirrored rows."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.functional import cached_property


class CappedCount(int):
    """A count that reached the cap: it compares and pages like cap + 1, and reads "10,000+"."""

    def __new__(cls, cap: int):
        count = super().__new__(cls, cap + 1)
        count.cap = cap
        return count

    def __str__(self) -> str:
        return f"{self.cap:,}+"

    __repr__ = __str__


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows, so a page costs the same at 1,000 or 1,000,000 rows.

    Past the cap the last page is unknown: any page number is allowed there, and one
    without rows is an EmptyPage (the admin then shows its "invalid page" redirect).
    """

    cap = 10_000

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed, unordered subquery: PostgreSQL stops reading at the limit.
        counted = self.object_list.order_by()[: self.cap + 1].count()
        return CappedCount(self.cap) if counted > self.cap else counted

    @property
    def is_capped(self) -> bool:
        return isinstance(self.count, CappedCount)

    def validate_number(self, number):
        if not self.is_capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if not self.is_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list[bottom : bottom + self.per_page]
        if bottom >= self.cap:
            # Beyond what was counted: only the rows themselves say whether the page exists.
            rows = list(rows)
            if not rows:
                raise EmptyPage(self.error_messages["no_results"])
        return self._get_page(rows, number, self)
