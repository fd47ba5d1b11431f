"""A fresh clone works without `make run` first: settings make var/ for the default database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_fresh_clone_migrates_checks_and_makes_staff_without_make_run(tmp_path):
    if not (PROJECT_ROOT / ".git").exists():  # mutmut runs the tests from its copy, mutants/
        pytest.skip("needs a git checkout to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], check=True)
    assert not (clone / "var").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="taskip_admin.settings",
        DJANGO_SECRET_KEY="fresh-clone-test-" + "s" * 50,
        TASKIP_SECRET_KEY="fresh-clone-test-key",
        DJANGO_ALLOWED_HOSTS="admin.example.com",
    )
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["createstaff", "newcomer", "--role", "viewer"],
    ):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=clone, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
    assert (clone / "var" / "dashboard.sqlite3").is_file()
    assert "newcomer (viewer) password:" in done.stdout  # it made one, so it says it once
