"""How the browser tests and the screenshot script launch Debian's Chromium.

Playwright cannot download its own browser on this machine; /usr/bin/chromium is installed by
`make chromium` (apt) instead.
"""

EXECUTABLE = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
