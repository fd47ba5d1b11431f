"""A separate, long-lived Django process that runs Python snippets a test sends it.

    with DjangoProcess(env) as a, DjangoProcess(env) as b:
        a.run("from django.core.cache import cache; cache.set('k', 1)")
        assert b.run("from django.core.cache import cache; result = cache.get('k')") == 1

Each snippet runs in the same namespace as the ones before it (so a transaction opened by one is
still open for the next), and whatever it assigns to `result` comes back, through JSON. The
process is `python -m tests.stores.django_process` with the environment given, so it reads its
settings exactly as `manage.py` would; two of them with the same DATABASE_URL and REDIS_URL are
two hosts as far as the stores can tell, without an HTTP server in between.

Hand-written because `manage.py shell -c` starts a new process for every snippet (~1 s each) and
cannot keep a transaction open between two steps of a test.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPLY_TIMEOUT = 60.0


class SnippetFailed(AssertionError):
    """The snippet raised in the other process; the message is its traceback."""


class DjangoProcess:
    def __init__(self, env: dict[str, str]) -> None:
        # stderr (logs, tracebacks) to a file: a pipe nobody reads would block the process.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.stores.django_process"],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr,
        )  # fmt: skip
        self._buffer = b""

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def run(self, code: str, timeout: float = REPLY_TIMEOUT):
        """Run `code` there; the value it left in `result` (None if it set none)."""
        self.process.stdin.write(json.dumps({"code": code}).encode() + b"\n")
        self.process.stdin.flush()
        reply = json.loads(self._read_line(timeout))
        if "error" in reply:
            raise SnippetFailed(reply["error"])
        return reply["result"]

    def _read_line(self, timeout: float) -> bytes:
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer in {timeout:.0f}s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.process.wait(timeout=5)
                    raise SnippetFailed(
                        f"the process exited ({self.process.returncode}):\n{self.stderr_text()}"
                    )
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # the loop below ends at end of input
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> DjangoProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _serve() -> None:
    import django

    django.setup()
    replies = sys.stdout
    sys.stdout = sys.stderr  # a print() in a snippet must not break the replies
    namespace: dict = {}
    for line in sys.stdin:
        namespace.pop("result", None)
        try:
            exec(json.loads(line)["code"], namespace)  # noqa: S102 (test tooling)
            reply = {"result": namespace.get("result")}
        except BaseException:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply, default=str) + "\n")
        replies.flush()


if __name__ == "__main__":
    _serve()
