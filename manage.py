#!/usr/bin/env python
"""Django's command-line utility for the dashboard, and the door to the sandbox.

`manage.py sandbox ...` runs under the sandbox's own settings module so the two
programs never share settings, a database, or imports.
"""

import os
import sys


def main():
    settings = "sandbox.settings" if sys.argv[1:2] == ["sandbox"] else "taskip_admin.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
