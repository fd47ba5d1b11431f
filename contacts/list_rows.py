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
    can_change, can_invite, can_delete = can["change"], can["invite"], can["delete"]
    rows = []
    for c in contacts:
        cid = c.id
        name = escape(c.full_name)
        created = c.created_at
        phone = f"{c.phone_code} {c.phone_number}" if c.phone_code and c.phone_number else (
            c.phone_number or "")
        checkbox = (f'<input type="checkbox" name="contact_ids" value="{cid}" form="bulk-form"'
                    f' aria-label="Select {name}">') if can_delete else ""
        actions = []
        if can_change:
            actions.append(f'<a href="{edit.format(cid)}{qs}" aria-label="Edit {name}">Edit</a>')
        if can_invite:
            url = invite.format(cid)
            actions.append(f'<a href="{url}{qs}" hx-get="{url}" aria-label="Invite {name}">'
                           "Invite</a>")
        if can_delete:
            url = delete.format(cid)
            actions.append(f'<button type="submit" class="link danger" form="bulk-form"'
                           f' formaction="{url}" hx-post="{url}" aria-label="Delete {name}">'
                           "Delete</button>")
        rows.append(
            f'<tr><td class="select">{checkbox}</td>'
            f'<td><a href="{detail.format(cid)}{qs}">{name}</a></td>'
            f"<td>{escape(c.email)}</td>"
            f"<td>{_text(c.company.name if c.company else None)}</td>"
            f"<td>{_text(c.position)}</td><td>{escape(phone)}</td><td>{_text(c.country)}</td>"
            f"<td>{'Yes' if c.access_portal else 'No'}</td>"
            f'<td><time datetime="{created.isoformat() if created else ""}">'
            f'{created.date().isoformat() if created else ""}</time></td>'
            f'<td class="actions">{"".join(actions)}</td></tr>\n'
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
