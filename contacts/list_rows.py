"""The contact list's table rows, rendered in Python.

The rows are most of the list page. Rendered by the template engine (or by `format_html`, whose
lazy-string wrappers dominate at this size) they cost more CPU than the API call they wrap, and
design.md §8 allows the page only 10% over the call. So they are plain string formatting here,
with every API value passed through `html.escape`, as the template's autoescape would.
"""

import threading
from functools import cache
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .taskip import Contact

_ID = 987654321

_CHECKBOX = (
    '<input type="checkbox" name="contact_ids" value="{id}" form="bulk-form"'
    ' aria-label="Select {name}">'
)
_EDIT = '<a href="{url}{qs}" aria-label="Edit {name}">Edit</a>'
_INVITE = '<a href="{url}{qs}" hx-get="{url}" aria-label="Invite {name}">Invite</a>'
_DELETE = (
    '<button type="submit" class="link danger" form="bulk-form" formaction="{url}"'
    ' hx-post="{url}" aria-label="Delete {name}">Delete</button>'
)
_ROW = (
    '<tr><td class="select">{checkbox}</td><td><a href="{detail}{qs}">{name}</a></td>'
    "<td>{email}</td><td>{company}</td><td>{position}</td><td>{phone}</td><td>{country}</td>"
    '<td>{portal}</td><td><time datetime="{created_iso}">{created_day}</time></td>'
    '<td class="actions">{edit}{invite}{delete}</td></tr>\n'
)


@cache
def _url_pattern(name: str) -> str:
    """The URL of `name` with `{}` where the contact id goes (reversed once per process)."""
    return reverse(name, kwargs={"contact_id": _ID}).replace(str(_ID), "{}")


def _text(value: object) -> str:
    return escape(str(value)) if value is not None else ""


def contact_rows_html(
    contacts: tuple[Contact, ...], *, query_string: str, can: dict[str, bool]
) -> SafeString:
    detail, edit, invite, delete = (
        _url_pattern(name)
        for name in ("contact_detail", "contact_edit", "contact_invite", "contact_delete")
    )
    qs = escape(query_string)
    rows = []
    for c in contacts:
        name = _text(c.full_name)
        created = c.created_at
        phone = " ".join(filter(None, [c.phone_code, c.phone_number])) if c.phone_number else ""
        rows.append(
            _ROW.format(
                checkbox=_CHECKBOX.format(id=c.id, name=name) if can["delete"] else "",
                detail=detail.format(c.id),
                qs=qs,
                name=name,
                email=_text(c.email),
                company=_text(c.company.name if c.company else None),
                position=_text(c.position),
                phone=_text(phone),
                country=_text(c.country),
                portal="Yes" if c.access_portal else "No",
                created_iso=created.isoformat() if created else "",
                created_day=created.date().isoformat() if created else "",
                edit=_EDIT.format(url=edit.format(c.id), qs=qs, name=name) if can["change"] else "",
                invite=_INVITE.format(url=invite.format(c.id), qs=qs, name=name)
                if can["invite"]
                else "",
                delete=_DELETE.format(url=delete.format(c.id), name=name) if can["delete"] else "",
            )
        )
    # Every API value above went through escape(); ids are ints and URLs are our own.
    return mark_safe("".join(rows))  # noqa: S308


# A memoized list page (contacts.read_cache) is shown many times; its rows are the same each
# time for the same links and permissions, so they are built once per page object.
_rendered: dict[tuple, tuple[object, SafeString]] = {}
_rendered_lock = threading.Lock()
MAX_RENDERED = 500


def rows_for_page(page, *, query_string: str, can: dict[str, bool]) -> SafeString:
    key = (id(page), query_string, tuple(sorted(can.items())))
    hit = _rendered.get(key)
    if hit is not None and hit[0] is page:
        return hit[1]
    html = contact_rows_html(page.contacts, query_string=query_string, can=can)
    with _rendered_lock:
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        # Holding the page keeps its id from being reused by another object meanwhile.
        _rendered[key] = (page, html)
    return html
