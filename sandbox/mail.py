import sys

from django.core.mail.backends.console import EmailBackend


class StderrConsoleEmailBackend(EmailBackend):
    """Django's console backend, writing to stderr: stdout is reserved for the access log."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
