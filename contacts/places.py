"""Place names TaskIP has told the dashboard, kept in Django's cache (docs/architecture.md, "Staff
ergonomics").

TaskIP's contacts carry `country_id`/`country` (and state, city), but the API has no endpoint to
list places. Every contact answer the dashboard reads anyway (list pages, a contact) is a chance
to learn an id's name; this module keeps what was learnt so the edit form can offer places by
name and pages can show a name where one answer left it out. It never makes an API call.

One cache entry holds all three kinds. Two processes learning at once may each overwrite the
other's additions; that is harmless, the next answer that carries the place adds it again.
"""

from collections.abc import Iterable
from dataclasses import replace

from django.core.cache import cache

from . import taskip

CACHE_KEY = "contacts:places"
KINDS = ("country", "state", "city")
MAX_PER_KIND = 5000  # a bound on one cache entry; far more than a staff picker can offer


def _known() -> dict[str, dict[int, str]]:
    known = cache.get(CACHE_KEY)
    return known if isinstance(known, dict) else {kind: {} for kind in KINDS}


def remember(contacts: Iterable[taskip.Contact]) -> None:
    """Learn the places named in these contacts; writes the cache only when something is new."""
    learnt = [
        (kind, place_id, name)
        for contact in contacts
        for kind in KINDS
        if (place_id := getattr(contact, f"{kind}_id")) and (name := getattr(contact, kind))
    ]
    if not learnt:
        return
    known = _known()
    changed = False
    for kind, place_id, name in learnt:
        names = known.setdefault(kind, {})
        if names.get(place_id) != name and len(names) < MAX_PER_KIND:
            names[place_id] = name
            changed = True
    if changed:
        cache.set(CACHE_KEY, known, None)


def choices(kind: str, *, current: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of every `kind` seen so far, by name; `current` is always among them."""
    names = _known().get(kind, {})
    options = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    if current and current not in names:
        options.append((current, f"ID {current} (name not known yet)"))
    return options


def with_names(contacts: Iterable[taskip.Contact]) -> list[taskip.Contact]:
    """The contacts, with a place's name filled in where the answer gave only its id.

    Reads the cache only when some contact lacks a name (TaskIP usually sends both).
    """
    contacts = list(contacts)
    missing = [
        (index, kind)
        for index, contact in enumerate(contacts)
        for kind in KINDS
        if getattr(contact, f"{kind}_id") and not getattr(contact, kind)
    ]
    if not missing:
        return contacts
    known = _known()
    for index, kind in missing:
        contact = contacts[index]
        name = known.get(kind, {}).get(getattr(contact, f"{kind}_id"))
        if name:
            contacts[index] = replace(contact, **{kind: name})
    return contacts
