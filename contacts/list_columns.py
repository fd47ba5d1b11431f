"""The contact list's columns: which there are, which show by default, and a user's choice.

Name always shows (it is the row's link). The others are keys in the API's own terms, and a
custom field is `custom_fields.<key>`, the same spelling the export uses, so a saved view and an
export read alike (docs/architecture.md, "Staff ergonomics").
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

CUSTOM_PREFIX = "custom_fields."
# (key, header) in the order the table shows them.
STANDARD = (
    ("email", "Email"),
    ("company", "Company"),
    ("position", "Position"),
    ("phone", "Phone"),
    ("country", "Country"),
    ("state", "State"),
    ("city", "City"),
    ("access_portal", "Portal"),
    ("created_at", "Created"),
)
STANDARD_KEYS = frozenset(key for key, _ in STANDARD)
# What the list showed before columns could be chosen; state and city are there to be picked.
DEFAULT = ("email", "company", "position", "phone", "country", "access_portal", "created_at")
MAX_CUSTOM = 10
MAX_CUSTOM_KEY = 191  # TaskIP's limit on a custom field's name


def clean(keys: Iterable[str]) -> tuple[str, ...]:
    """Known standard keys in table order, then custom field keys in the order given.

    Anything else is dropped rather than refused: a column that no longer exists in a saved
    view should not stop the view from opening.
    """
    keys = [k.strip() for k in keys if isinstance(k, str)]
    standard = [key for key, _ in STANDARD if key in keys]
    custom: list[str] = []
    for key in keys:
        name = key.removeprefix(CUSTOM_PREFIX).strip() if key.startswith(CUSTOM_PREFIX) else ""
        column = CUSTOM_PREFIX + name
        if name and len(name) <= MAX_CUSTOM_KEY and column not in custom:
            custom.append(column)
    return (*standard, *custom[:MAX_CUSTOM])


# Cells cut with an ellipsis at desktop widths carry their whole value in `title` (the text itself
# stays whole for assistive technology); "extra" cells are left off the small-screen cards.
def _text(value, extra: bool = True) -> SafeString:
    value = "" if value is None else value
    if extra:
        return format_html('<td class="extra" title="{0}">{0}</td>', value)
    return format_html('<td title="{0}">{0}</td>', value)


def _created(contact) -> SafeString:
    if not contact.created_at:
        return format_html('<td class="extra">{}</td>', "")
    day = localtime(contact.created_at).strftime("%Y-%m-%d")
    return format_html('<td class="extra"><time datetime="{}">{}</time></td>',
                       contact.created_at.isoformat(), day)  # fmt: skip


CELLS: dict[str, Callable] = {
    "email": lambda c: _text(c.email, extra=False),
    "company": lambda c: _text(c.company.name if c.company else "", extra=False),
    "position": lambda c: _text(c.position),
    "phone": lambda c: _text(c.phone),
    "country": lambda c: _text(c.country),
    "state": lambda c: _text(c.state),
    "city": lambda c: _text(c.city),
    "access_portal": lambda c: format_html('<td class="extra">{}</td>',
                                           "Yes" if c.access_portal else "No"),
    "created_at": _created,
}


@dataclass(frozen=True)
class Columns:
    """The columns one list page shows: `show.email` etc. for the template, custom keys apart."""

    keys: tuple[str, ...] = DEFAULT

    @property
    def show(self) -> dict[str, bool]:
        return {key: key in self.keys for key in STANDARD_KEYS}

    @cached_property
    def _cell_makers(self) -> list[Callable]:
        makers = [CELLS[key] for key, _ in STANDARD if key in self.keys]
        for name in self.custom:
            makers.append(lambda c, name=name: _text(c.custom_fields.get(name)))
        return makers

    def cells(self, contact) -> SafeString:
        """The row's cells after Name, in Python like the admin's `items_for_result`: with the
        columns optional, the template version (an `if` and a `title` per cell) made the rows
        render about half again as slowly; see docs/architecture.md, "Staff ergonomics"."""
        row = SafeString()
        for make in self._cell_makers:
            row += make(contact)  # safe + safe stays safe; anything else would not
        return row

    @property
    def custom(self) -> list[str]:
        """Custom field names (without the prefix), in the chosen order."""
        return [k.removeprefix(CUSTOM_PREFIX) for k in self.keys if k.startswith(CUSTOM_PREFIX)]

    def choices(self, seen_custom: Iterable[str] = ()) -> list[dict]:
        """The column chooser's checkboxes: every standard column, the chosen custom ones, then
        custom field names seen on the page that are not columns yet."""
        rows = [
            {"key": key, "label": label, "checked": key in self.keys} for key, label in STANDARD
        ]
        chosen = self.custom
        rows += [{"key": CUSTOM_PREFIX + name, "label": name, "checked": True, "custom": True}
                 for name in chosen]  # fmt: skip
        rows += [{"key": CUSTOM_PREFIX + name, "label": name, "checked": False, "custom": True}
                 for name in sorted(set(seen_custom) - set(chosen))[:MAX_CUSTOM]]  # fmt: skip
        return rows

    def describe(self) -> str:
        labels = dict(STANDARD)
        return ", ".join(["Name", *(labels.get(k) or k.removeprefix(CUSTOM_PREFIX)
                                    for k in self.keys)])  # fmt: skip
