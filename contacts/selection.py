"""What a bulk action acts on: the ticked contacts, or every contact matching the list's query."""

from dataclasses import dataclass

from django.http import QueryDict

from . import list_cache, taskip
from .list_state import ListState


@dataclass(frozen=True)
class Selection:
    state: ListState
    ids: tuple[int, ...] = ()
    select_all: bool = False

    @classmethod
    def from_post(cls, data: QueryDict) -> "Selection":
        ids = set()
        for raw in data.getlist("contact_ids"):
            try:
                number = int(raw)
            except ValueError:
                continue
            if number >= 1:  # TaskIP ids start at 1; anything else is not worth a call
                ids.add(number)
        select_all = data.get("select_all") == "1"
        return cls(
            state=ListState.from_query(data),
            ids=() if select_all else tuple(sorted(ids)),
            select_all=select_all,
        )

    @property
    def is_empty(self) -> bool:
        return not self.select_all and not self.ids

    def count(self) -> int:
        """How many contacts this is, with one one-row list call for "all matching"."""
        if not self.select_all:
            return len(self.ids)
        page = taskip.list_contacts(page=1, limit=1, search=self.state.search or None)
        if page.total is not None:
            return page.total
        # An API answer without pagination totals: count by walking the ids instead.
        return len(taskip.contact_ids_matching(search=self.state.search or None))

    def resolve_ids(self) -> list[int]:
        """The contact ids, walking the list's pages for "all matching"."""
        if not self.select_all:
            return list(self.ids)
        state = self.state
        return taskip.contact_ids_matching(
            search=state.search or None, sort=state.sort or None, order=state.order
        )

    def contacts(self, request) -> tuple[list[taskip.Contact], list[int]]:
        """The selected contacts, and the ids among the ticked ones TaskIP no longer has.

        "All matching" walks the list's pages of 100. Ticked ids come from the page the user
        was looking at, so that page (usually still cached) names them; only an id it lacks
        costs a call of its own.
        """
        state = self.state
        if self.select_all:
            found = taskip.contacts_matching(
                search=state.search or None, sort=state.sort or None, order=state.order
            )
            return list(found), []
        page = list_cache.list_contacts(request, **state.api_kwargs())
        on_page = {c.id: c for c in page.contacts}
        contacts, missing = [], []
        for contact_id in self.ids:
            contact = on_page.get(contact_id)
            if contact is None:
                try:
                    contact = taskip.get_contact(contact_id=contact_id)
                except taskip.TaskipNotFound:
                    missing.append(contact_id)
                    continue
            contacts.append(contact)
        return contacts, missing
