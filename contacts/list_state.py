"""The contact list's state (search, sort, order, page, page size) as it lives in the URL.

The parameter names and values are the API's own (docs/architecture.md, "Requests and pages"),
so a dashboard URL reads like the API call it makes. Anything unrecognised falls back to the
default instead of failing: a hand-edited or stale bookmark still opens a sensible list.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.http import QueryDict

SORTS = ("name", "email", "created_at")
ORDERS = ("asc", "desc")
PAGE_SIZES = (20, 50, 100)
DEFAULT_LIMIT = 50
STATE_KEYS = ("search", "sort", "order", "page", "limit")
MAX_SEARCH = 191  # TaskIP refuses longer searches with a 422


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if number >= 1 else default


@dataclass(frozen=True)
class ListState:
    search: str = ""
    sort: str = ""
    order: str = "asc"
    page: int = 1
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_query(cls, query: QueryDict) -> "ListState":
        sort = query.get("sort", "")
        order = query.get("order", "")
        limit = _positive_int(query.get("limit"), DEFAULT_LIMIT)
        return cls(
            search=query.get("search", "").strip()[:MAX_SEARCH],
            sort=sort if sort in SORTS else "",
            order=order if order in ORDERS else "asc",
            page=min(_positive_int(query.get("page"), 1), 100_000),
            limit=limit if limit in PAGE_SIZES else DEFAULT_LIMIT,
        )

    def with_page(self, page: int) -> "ListState":
        return replace(self, page=page)

    def params(self) -> dict[str, str]:
        """Only the non-default values, so URLs stay short and canonical."""
        out = {}
        if self.search:
            out["search"] = self.search
        if self.sort:
            out["sort"] = self.sort
            out["order"] = self.order
        if self.page != 1:
            out["page"] = str(self.page)
        if self.limit != DEFAULT_LIMIT:
            out["limit"] = str(self.limit)
        return out

    def query_string(self) -> str:
        # urlencode gives what QueryDict.urlencode() does for single str values, in a fraction
        # of the time; the list page builds several of these.
        encoded = urlencode(self.params())
        return f"?{encoded}" if encoded else ""

    def api_kwargs(self) -> dict:
        return {
            "page": self.page,
            "limit": self.limit,
            "search": self.search or None,
            "sort": self.sort or None,
            "order": self.order if self.sort else None,
        }

    def sorted_by(self, column: str) -> "ListState":
        """The state a click on `column`'s header asks for (back to the first page)."""
        return replace(self, sort=column, order=self.sort_link_order(column), page=1)

    def sort_link_order(self, column: str) -> str:
        """Clicking a header sorts ascending; clicking the sorted column again flips it."""
        if self.sort == column and self.order == "asc":
            return "desc"
        return "asc"

    def aria_sort(self, column: str) -> str:
        if self.sort != column:
            return "none"
        return "ascending" if self.order == "asc" else "descending"
