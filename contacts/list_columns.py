"""The contact list's columns and rows: which columns there are, which show by default, a user's
choice, and each row's cells.

Name always shows (it is the row's link). The others are keys in the API's own terms, and a
custom field is `custom_fields.<key>`, the same spelling the export uses, so a saved view and an
export read alike (docs/architecture.md, "Staff ergonomics").
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from django.utils.html import format_html, format_html_join
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

    def cells(self, contact) -> list[SafeString]:
        """The chosen columns' cells, after Name."""
        return [make(contact) for make in self._cell_makers]

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

    def chooser(self, seen_custom: Iterable[str] = ()) -> SafeString:
        """The column chooser's checkbox rows, made here for the same reason as the rows below:
        about 20 of them, each an `if` or two, on every full list page."""
        return format_html_join("", _CHOICE, (
            (number, choice["key"], " checked" if choice["checked"] else "",
             f"Custom field “{choice['label']}”" if choice.get("custom") else choice["label"])
            for number, choice in enumerate(self.choices(seen_custom), 1)
        ))  # fmt: skip

    def describe(self) -> str:
        labels = dict(STANDARD)
        return ", ".join(["Name", *(labels.get(k) or k.removeprefix(CUSTOM_PREFIX)
                                    for k in self.keys)])  # fmt: skip


_CHOICE = ('<div class="checkbox-row"><input type="checkbox" id="column-{0}" name="columns"'
           ' value="{1}"{2}><label for="column-{0}">{3}</label></div>')


# ---- rows --------------------------------------------------------------------------------------


def rows(contacts: Iterable, *, columns: Columns, can: Mapping[str, bool],
         query_string: str) -> Iterator[list[SafeString]]:
    """Each contact's cells, made in Python as the admin's `items_for_result` makes a changelist
    row's: the same row through the template engine (four `{% url %}`, an `if` and a `title` per
    cell) took about 9.8 ms for 50 rows against about 7 here; docs/architecture.md, "Budgets".

    A generator, so a page whose rendered rows are cached never makes them.
    """
    tickable = can["select"] or can["export"]
    for contact in contacts:
        yield [
            _select_cell(contact) if tickable else NO_SELECT_CELL,
            _name_cell(contact, query_string),
            *columns.cells(contact),
            _actions_cell(contact, can, query_string),
        ]


NO_SELECT_CELL = format_html('<td class="select">{}</td>', "")


def _select_cell(contact) -> SafeString:
    return format_html(
        '<td class="select"><input type="checkbox" name="contact_ids" value="{}" form="bulk-form"'
        ' aria-label="Select {}"></td>', contact.id, contact.full_name,
    )  # fmt: skip


def _name_cell(contact, query_string: str) -> SafeString:
    return format_html('<td class="name" title="{0}"><a href="{1}{2}">{0}</a></td>',
                       contact.full_name, reverse("contact_detail", args=[contact.id]),
                       query_string)  # fmt: skip


def _actions_cell(contact, can: Mapping[str, bool], query_string: str) -> SafeString:
    name, edit, invite, delete = contact.full_name, "", "", ""
    if can["change"]:
        edit = format_html('<a href="{}{}" aria-label="Edit {}">Edit</a>',
                           reverse("contact_edit", args=[contact.id]), query_string, name)
    if can["invite"]:
        invite = format_html('<a href="{0}{1}" hx-get="{0}" aria-label="Invite {2}">Invite</a>',
                             reverse("contact_invite", args=[contact.id]), query_string, name)
    if can["delete"]:
        delete = format_html(
            '<button type="submit" class="link danger" form="bulk-form" formaction="{0}"'
            ' hx-post="{0}" aria-label="Delete {1}">Delete</button>',
            reverse("contact_delete", args=[contact.id]), name,
        )  # fmt: skip
    return format_html('<td class="actions">{}{}{}</td>', edit, invite, delete)
