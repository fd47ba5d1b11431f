"""The lines a running sandbox prints on stdout, as the test fixtures and `make bench` read them."""

import re

# One per request: "sandbox GET /api/public-v1/contact?page=1 200 3.2ms"
ACCESS_LINE = re.compile(
    r"^sandbox (?P<method>\S+) (?P<target>\S+) (?P<status>\d{3}|-) (?P<ms>[0-9.]+)ms$"
)
# Once, when it accepts connections (the port may have been chosen by the OS).
LISTENING_LINE = re.compile(r"^sandbox listening on (?P<url>http://\S+)$")
