"""Find things in a page the way a person (or a screen reader) does: by role and by name.

    page = Page(response)
    page.rows()                          # the contacts table, [{"Name": "Jane Smith", ...}]
    page.link("Next page")["href"]       # the one link named so (AssertionError unless one)
    page.checkbox("Select Jane Smith")
    page.field("Email")["value"]         # an input/select/textarea by its <label>
    page.field_errors("Email")           # the messages the field's aria-describedby points at
    page.form_data(page.form(action="/contacts/bulk-delete/"))  # what submitting it sends
    page.alerts(), page.messages(), page.text

Built on Django's own test HTML parser (`django.test.html.parse_html`, what
`assertContains(..., html=True)` uses), so the markup is parsed the same way there and here;
only the finding by role and accessible name is written out below, because Django offers none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from django.test.html import Element, RootElement, parse_html

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BUTTON_INPUTS = ("submit", "button", "reset")
TEXT_INPUTS = ("text", "email", "search", "tel", "url", "number", "password", "")


def attrs(element: Element) -> dict[str, str | None]:
    return dict(element.attributes)


def text(node: Element | str) -> str:
    """The text a person reads, whitespace collapsed."""
    if isinstance(node, str):
        return " ".join(node.split())
    parts = [text(child) for child in node.children]
    return " ".join(p for p in parts if p)


def walk(node: Element) -> Iterator[Element]:
    """Every element under `node`, in document order. A stack, not recursion: nested
    generators cost a step per level for each element, and the edit form, with its ~600
    time-zone options, made this the view suite's busiest function (1.9 s of 15 in its
    slowest module)."""
    stack = [child for child in reversed(node.children) if isinstance(child, Element)]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(c for c in reversed(element.children) if isinstance(c, Element))


def role_of(element: Element) -> str | None:
    explicit = attrs(element).get("role")
    if explicit:
        return explicit
    name, kind = element.name, (attrs(element).get("type") or "").lower()
    if name == "a" and "href" in attrs(element):
        return "link"
    if name == "button" or (name == "input" and kind in BUTTON_INPUTS):
        return "button"
    if name == "input" and kind in ("checkbox", "radio"):
        return kind
    if (name == "input" and kind in TEXT_INPUTS) or name == "textarea":
        return "textbox"
    return {
        "select": "combobox", "img": "img", "dialog": "dialog", "nav": "navigation",
        "table": "table", "tr": "row", "fieldset": "group", "form": "form", "ul": "list",
        "section": "region" if "aria-labelledby" in attrs(element) else None,
        "li": "listitem", **dict.fromkeys(HEADINGS, "heading"),
    }.get(name)  # fmt: skip


class Page:
    def __init__(self, response_or_html) -> None:
        content = getattr(response_or_html, "content", response_or_html)
        if isinstance(content, bytes):
            content = content.decode()
        self.html: str = content
        parsed = parse_html(content)
        if not isinstance(parsed, RootElement):  # parse_html unwraps a lone top element
            root = RootElement()
            root.append(parsed)
            parsed = root
        self.root: Element = parsed
        self._elements: list[Element] | None = None

    def elements(self, within: Element | None = None) -> list[Element] | Iterator[Element]:
        """The elements under `within` (the whole page by default) in document order; the
        whole page's list is made once, as nearly every question starts from it."""
        if within is not None and within is not self.root:
            return walk(within)
        if self._elements is None:
            self._elements = list(walk(self.root))
        return self._elements

    # ---- finding ------------------------------------------------------------------------------

    def find_all(self, tag: str | None = None, within: Element | None = None,
                 **wanted: str | bool) -> list[Element]:
        """Elements by tag and attributes: `class_="x"` matches a class token, `True` any value,
        `data_total=` means `data-total`."""
        found = []
        for element in self.elements(within):
            if tag is not None and element.name != tag:
                continue
            if all(_attr_matches(element, key, value) for key, value in wanted.items()):
                found.append(element)
        return found

    def find(self, tag: str | None = None, within: Element | None = None,
             **wanted: str | bool) -> Element:
        return _one(self.find_all(tag, within, **wanted), f"<{tag or '*'} {wanted}>")

    def by_id(self, element_id: str) -> Element | None:
        found = self.find_all(id=element_id)
        return found[0] if found else None

    def all_by_role(self, role: str, name: str | Callable[[str], bool] | None = None,
                    within: Element | None = None) -> list[Element]:
        found = []
        for element in self.elements(within):
            if role_of(element) != role:
                continue
            if name is None:
                found.append(element)
                continue
            accessible = self.name_of(element)
            if name(accessible) if callable(name) else accessible == name:
                found.append(element)
        return found

    def by_role(self, role: str, name: str | None = None,
                within: Element | None = None) -> Element:
        return _one(self.all_by_role(role, name, within), f"{role} named {name!r}")

    def name_of(self, element: Element) -> str:
        """The accessible name, in the order browsers compute it (the common cases)."""
        a = attrs(element)
        if a.get("aria-label"):
            return " ".join(str(a["aria-label"]).split())
        if a.get("aria-labelledby"):
            labels = [self.by_id(i) for i in str(a["aria-labelledby"]).split()]
            return " ".join(text(label) for label in labels if label is not None)
        if element.name in ("input", "select", "textarea"):
            if a.get("id"):
                labels = self.find_all("label", **{"for": str(a["id"])})
                if labels:
                    return text(labels[0])
            wrapping = self._wrapping_label(element)
            if wrapping is not None:
                return text(wrapping)
            if a.get("type") in BUTTON_INPUTS:
                return str(a.get("value") or "")
            return str(a.get("title") or "")
        if element.name == "img":
            return str(a.get("alt") or "")
        if element.name in ("table",):
            captions = [c for c in element.children
                        if isinstance(c, Element) and c.name == "caption"]
            return text(captions[0]) if captions else ""
        if element.name == "fieldset":
            legends = [c for c in element.children
                       if isinstance(c, Element) and c.name == "legend"]
            return text(legends[0]) if legends else ""
        return text(element)

    def _wrapping_label(self, target: Element) -> Element | None:
        for label in self.find_all("label"):
            if any(e is target for e in walk(label)):
                return label
        return None

    # ---- the things tests ask about -----------------------------------------------------------

    def link(self, name: str, within: Element | None = None) -> dict[str, str | None]:
        return attrs(self.by_role("link", name, within))

    def links(self, name: str | None = None, within: Element | None = None) -> list[str]:
        return [attrs(a)["href"] for a in self.all_by_role("link", name, within)]

    def button(self, name: str, within: Element | None = None) -> Element:
        return self.by_role("button", name, within)

    def checkbox(self, name: str, within: Element | None = None) -> Element:
        return self.by_role("checkbox", name, within)

    def field(self, label: str, within: Element | None = None) -> dict[str, str | None]:
        """The attributes of the input, select or textarea labelled `label`, with its value."""
        matches = [
            e for e in self.elements(within)
            if e.name in ("input", "select", "textarea") and self.name_of(e) == label
        ]
        element = _one(matches, f"field labelled {label!r}")
        found = attrs(element)
        if element.name == "textarea":
            found["value"] = "".join(c for c in element.children if isinstance(c, str)).strip()
        elif element.name == "select":
            chosen = [o for o in self.find_all("option", within=element) if "selected" in attrs(o)]
            found["value"] = attrs(chosen[0]).get("value") if chosen else None
        return found

    def field_errors(self, label: str) -> list[str]:
        """The error messages announced for the field labelled `label` (aria-describedby)."""
        described = self.field(label).get("aria-describedby") or ""
        messages = []
        for ref in described.split():
            node = self.by_id(ref)
            if node is not None and "errorlist" in (attrs(node).get("class") or "").split():
                messages += [text(li) for li in self.find_all("li", within=node)]
        return messages

    def field_help(self, label: str) -> str:
        """The help text announced for the field labelled `label` (aria-describedby)."""
        described = self.field(label).get("aria-describedby") or ""
        helps = [self.by_id(ref) for ref in described.split() if ref.endswith("_helptext")]
        return " ".join(text(node) for node in helps if node is not None)

    def options(self, within: Element | None = None) -> list[tuple[str, str, bool]]:
        """(value, label, selected) of every <option>."""
        return [
            (str(attrs(o).get("value") or ""), text(o), "selected" in attrs(o))
            for o in self.find_all("option", within=within)
        ]

    def table(self, name: str | None = None) -> Element:
        return self.by_role("table", name) if name else self.find("table")

    def rows(self, table: Element | None = None) -> list[dict[str, str]]:
        """The body rows of a table as {column header: cell text}."""
        if table is None:
            found = self.find_all("table", class_="contacts")
            if not found:
                return []  # an empty list has no table at all
            table = _one(found, "contacts table")
        headers = [text(th) for th in self.find_all("th", within=self.find("thead", within=table))]
        rows = []
        for body in self.find_all("tbody", within=table):
            for tr in self.find_all("tr", within=body):
                cells = [c for c in tr.children if isinstance(c, Element) and c.name == "td"]
                rows.append({h: text(c) for h, c in zip(headers, cells, strict=False)})
        return rows

    def definitions(self, within: Element | None = None) -> dict[str, str]:
        """{term: description} of the <dt>/<dd> pairs (of the first <dl> in `within`)."""
        dl = self.find_all("dl", within=within)[0]
        pairs, term = {}, None
        for child in dl.children:
            if isinstance(child, Element) and child.name == "dt":
                term = text(child)
            elif isinstance(child, Element) and child.name == "dd" and term is not None:
                pairs[term] = text(child)
        return pairs

    def section(self, heading: str) -> Element:
        """The <section> labelled by the heading `heading`."""
        return self.by_role("region", heading)

    def form(self, **wanted: str) -> Element:
        return self.find("form", **wanted)

    def form_data(self, form: Element) -> list[tuple[str, str]]:
        """The (name, value) pairs the browser would send for `form` without a click: inputs
        inside it or pointing at it with form=, checked boxes only, no buttons. (Django's
        parser collapses whitespace, so a textarea's line breaks need setting by hand.)"""
        form_id = attrs(form).get("id")
        inside = {id(e) for e in walk(form)}
        pairs = []
        for element in self.elements():
            a = attrs(element)
            if element.name not in ("input", "select", "textarea") or not a.get("name"):
                continue
            owner = a.get("form")
            if not (owner == form_id if owner else id(element) in inside):
                continue
            kind = (a.get("type") or "").lower()
            if kind in BUTTON_INPUTS or (kind in ("checkbox", "radio") and "checked" not in a):
                continue
            if element.name == "select":
                chosen = [o for o in self.find_all("option", within=element)
                          if "selected" in attrs(o)]
                value = attrs(chosen[0]).get("value") if chosen else None
            elif element.name == "textarea":
                value = text(element)
            elif kind in ("checkbox", "radio") and a.get("value") is None:
                value = "on"  # what browsers send for a box without a value
            else:
                value = a.get("value")
            pairs.append((str(a["name"]), "" if value is None else str(value)))
        return pairs

    def alerts(self) -> list[str]:
        return [text(e) for e in self.all_by_role("alert")]

    def messages(self) -> list[str]:
        region = self.by_id("messages")
        return [] if region is None else [text(p) for p in self.find_all("p", within=region)]

    def headings(self) -> list[str]:
        return [text(h) for h in self.all_by_role("heading")]

    @property
    def text(self) -> str:
        return text(self.root)


def triggered(response) -> set[str]:
    """The client-side events an htmx answer triggers (HX-Trigger, JSON or a plain list)."""
    value = response.headers.get("HX-Trigger", "")
    if value.startswith("{"):
        return set(json.loads(value))
    return {name.strip() for name in value.split(",") if name.strip()}


def as_post(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs as Django's test client posts them (a repeated name becomes a list)."""
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def _attr_matches(element: Element, key: str, value: str | bool) -> bool:
    name = {"class_": "class", "for_": "for"}.get(key, key.replace("_", "-"))
    present = dict(element.attributes)
    if value is True:
        return name in present
    if value is False:
        return name not in present
    if name == "class":
        return value in (present.get("class") or "").split()
    return present.get(name) == value


def _one(found: list[Element], what: str) -> Element:
    if len(found) != 1:
        raise AssertionError(f"expected exactly one {what}, found {len(found)}")
    return found[0]
