"""What every browser test checks besides its own behaviour: axe, and a quiet console.

The console is where Chromium reports CSP violations ("Refused to execute inline script...",
"Refused to apply inline style...") and uncaught exceptions, so a page that breaks the CSP or
throws fails its test even when everything visible looks right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

BLOCKING_IMPACTS = ("serious", "critical")
_axe = Axe()

# Runs through the DevTools protocol before any page script, so the CSP does not apply to it.
# Chromium logs most violations itself; this also catches the ones it reports only as events.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def assert_accessible(page: Page, where: str) -> None:
    """axe finds nothing serious or critical on what the page shows now (open dialogs too)."""
    violations = _axe.run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in blocking
    )
    assert not blocking, f"axe on {where}:\n{report}"


def _is_unreachable_contact_photo(message: ConsoleMessage) -> bool:
    # Seeded contacts carry photos hosted on taskip.net, which this machine cannot resolve.
    # The page is right to ask for them; only the network says no.
    host = urlsplit(message.location.get("url", "")).hostname or ""
    return message.text.startswith("Failed to load resource") and (
        host == "taskip.net" or host.endswith(".taskip.net")
    )


@dataclass
class BrowserProblems:
    """Console errors, page exceptions and CSP violations seen in the watched contexts."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserProblems:
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.seen.append(f"uncaught: {error.error}"))
        return self

    def allow(self, pattern: str) -> None:
        """Expect console errors matching `pattern` (a regex): an error answer a test provokes."""
        self.allowed.append(re.compile(pattern))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not _is_unreachable_contact_photo(message):
            where = message.location.get("url", "")
            self.seen.append(f"{message.type}: {message.text} ({where})")

    def unexpected(self) -> list[str]:
        return [s for s in self.seen if not any(p.search(s) for p in self.allowed)]
