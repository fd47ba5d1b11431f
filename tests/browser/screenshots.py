"""README screenshots of the running dashboard: the list, the edit form, the invite dialog, the
list on a phone and in dark mode.

    python -m tests.browser.screenshots OUTDIR        (make screenshots: OUTDIR=docs/screenshots)

Not a test. It starts its own sandbox (`manage.py sandbox`, 200 seeded contacts) and its own
dashboard (`manage.py runserver --noreload`, DEBUG on, a throwaway database with one admin),
and one background worker (`manage.py db_worker`), drives Debian's Chromium at 1280x800 the way
staff would, writes list.png, edit.png, invite.png, job.png (a bulk invite under way), import.png
(an import's dry run), dark.png and (at 390x844) phone.png, and stops everything whatever
happens.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

import requests
from playwright.sync_api import expect, sync_playwright

from . import chromium

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "screenshots-secret"
USERNAME, PASSWORD = "demo", "taskip-screens-1"
STARTUP_TIMEOUT = 60.0
PHONE = {"width": 390, "height": 844}
LISTENING = re.compile(r"^sandbox listening on (?P<url>http://\S+)$", re.MULTILINE)


def _manage(*args: str, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env,
        stdin=subprocess.DEVNULL, **popen,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(what: str, ready, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if (value := ready()) is not None:
            return value
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.1)  # a startup poll, not a test wait
    raise RuntimeError(f"{what} did not start in {STARTUP_TIMEOUT:.0f}s:\n{log.read_text()}")


def _start_sandbox(stack: ExitStack, workdir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["TASKIP_SECRET_KEY"] = SECRET_KEY  # not a flag: the process list would show it
    log = workdir / "sandbox.log"
    with log.open("wb") as out:
        process = _manage(
            "sandbox", "--host", "127.0.0.1", "--port", "0", "--db", str(workdir / "sandbox.db"),
            "--seed", "200", "--rate-limit", "0",
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(_stop, process)

    def listening():
        match = LISTENING.search(log.read_text(errors="replace"))
        return match["url"] if match else None

    return _wait_for("the sandbox", listening, process, log)


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_dashboard(stack: ExitStack, workdir: Path, api_url: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_DEBUG": "true",
        "DJANGO_HTTPS": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'dashboard.sqlite3'}",
        "TASKIP_BASE_URL": api_url,
        "TASKIP_SECRET_KEY": SECRET_KEY,
    }
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createstaff", USERNAME, "--role", "admin", "--password", PASSWORD],
    ):
        _manage(*command, env=env, stdout=subprocess.DEVNULL).wait(timeout=120)
    port = _free_port()
    log = workdir / "dashboard.log"
    with log.open("wb") as out:
        process = _manage(
            "runserver", f"127.0.0.1:{port}", "--noreload",
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(_stop, process)
    url = f"http://127.0.0.1:{port}"

    def answering():
        try:
            requests.get(f"{url}/accounts/login/", timeout=2).raise_for_status()
        except requests.RequestException:
            return None
        return url

    worker_log = workdir / "worker.log"
    with worker_log.open("wb") as out:
        worker = _manage("db_worker", "--no-startup-delay", env=env, stdout=out,
                         stderr=subprocess.STDOUT)
    stack.callback(_stop, worker)
    return _wait_for("the dashboard", answering, process, log)


def _full_name(api_url: str, contact_id: int) -> str:
    response = requests.get(
        f"{api_url}/api/public-v1/contact/{contact_id}", headers={"X-Secret-Key": SECRET_KEY},
        timeout=5,
    )  # fmt: skip
    response.raise_for_status()
    return response.json()["data"]["full_name"]


def _email(api_url: str, contact_id: int) -> str:
    response = requests.get(
        f"{api_url}/api/public-v1/contact/{contact_id}", headers={"X-Secret-Key": SECRET_KEY},
        timeout=5,
    )  # fmt: skip
    response.raise_for_status()
    return response.json()["data"]["email"]


def capture(outdir: Path, dashboard_url: str, api_url: str) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    # Contacts 2 and 3 from the seed: the second is the API document's own example.
    second, third = _full_name(api_url, 2), _full_name(api_url, 3)
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium.EXECUTABLE, args=chromium.ARGS, headless=True
        )
        try:
            page = browser.new_page(base_url=dashboard_url, viewport=chromium.VIEWPORT)
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/contacts/$"))

            page.goto("/contacts/?limit=20")
            expect(page.get_by_role("table")).to_have_accessible_name(re.compile("^200 contacts"))
            page.get_by_role("checkbox", name=f"Select {second}").check()
            page.get_by_role("checkbox", name=f"Select {third}").check()
            expect(page.get_by_role("button", name="Delete selected (2)")).to_be_visible()
            shots.append(_shoot(page, outdir / "list.png"))

            page.goto("/contacts/2/edit/")
            expect(page.get_by_role("heading", level=1, name=f"Edit {second}")).to_be_visible()
            shots.append(_shoot(page, outdir / "edit.png"))

            page.goto("/contacts/?limit=20")
            page.get_by_role("link", name=f"Invite {second}").click()
            dialog = page.get_by_role("dialog", name=f"Invite {second} as a client")
            dialog.get_by_label("Message").fill("Your client portal is ready.")
            dialog.get_by_label("Access level").select_option(label="Premium")
            dialog.get_by_role("button", name="Send invitation").focus()
            shots.append(_shoot(page, outdir / "invite.png"))
            dialog.get_by_role("link", name="Cancel").click()

            # A bulk invite of the first page, watched on its job page while it runs.
            page.goto("/contacts/?limit=20")
            page.get_by_role("checkbox", name="Select all contacts on this page").check()
            page.get_by_role("button", name="Invite selected (20)").click()
            dialog = page.get_by_role("dialog", name="Invite 20 contacts as clients")
            dialog.get_by_role("button", name="Start sending").click()
            expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
            expect(page.get_by_role("progressbar")).not_to_have_attribute("aria-valuenow", "0")
            shots.append(_shoot(page, outdir / "job.png"))

            # An import's dry run: a new contact, one already in TaskIP, one without an email.
            csv_path = Path(tempfile.mkdtemp(prefix="screenshots-")) / "new-clients.csv"
            csv_path.write_text(
                "First Name,Last Name,E-mail,Company,Phone\n"
                "Mina,Okafor,mina.okafor@example.org,,+44 20 7946 0958\n"
                f"Jane,Smith,{_email(api_url, 2)},,\n"
                "Leo,Park,,,\n", encoding="utf-8")
            try:
                page.goto("/contacts/import/")
                page.get_by_label(re.compile("CSV file")).set_input_files(str(csv_path))
                page.get_by_role("button", name="Upload and check").click()
                expect(page.get_by_role("heading", name="Dry run")).to_be_visible()
                shots.append(_shoot(page, outdir / "import.png"))
            finally:
                csv_path.unlink(missing_ok=True)
                csv_path.parent.rmdir()

            # The theme toggle pins dark mode (a cookie); toggled back before the phone picture.
            page.get_by_role("button", name="Dark mode").click()
            page.goto("/contacts/?limit=20")
            expect(page.get_by_role("button", name="Dark mode")).to_have_attribute(
                "aria-pressed", "true"
            )
            page.locator("summary", has_text=re.compile("^Columns$")).click()
            shots.append(_shoot(page, outdir / "dark.png"))
            page.get_by_role("button", name="Dark mode").click()

            phone = browser.new_page(base_url=dashboard_url, viewport=PHONE,
                                     storage_state=page.context.storage_state())
            phone.goto("/contacts/?limit=20")
            expect(phone.get_by_role("link", name=second, exact=True)).to_be_visible()
            phone.get_by_role("checkbox", name=f"Select {second}").check()
            shots.append(_shoot(phone, outdir / "phone.png"))
        finally:
            browser.close()
    return shots


def _shoot(page, path: Path) -> Path:
    page.screenshot(path=path, animations="disabled", caret="hide")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    outdir = Path(argv[0]).resolve()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        workdir = Path(tmp)
        api_url = _start_sandbox(stack, workdir)
        dashboard_url = _start_dashboard(stack, workdir, api_url)
        for path in capture(outdir, dashboard_url, api_url):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
