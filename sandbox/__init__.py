"""A local stand-in for TaskIP's public contact API, run as its own process.

    python manage.py sandbox [--host H] [--port P] [--secret-key K] [--db FILE] [--seed N]
                             [--rate-limit N] [--latency-ms MS] [--fail-rate F]
                             [--record FILE] [--allow-reset]

The key is best given as $TASKIP_SECRET_KEY (a --secret-key flag shows in the process list; if
both are given, the flag wins).

It shares nothing with the dashboard but HTTP: own settings (sandbox.settings), own SQLite file,
no imports either way. docs/architecture.md, "The TaskIP contract", is the contract;
/api/public-v1/openapi.json describes it for machines. Where TaskIP's document leaves a choice
open, the sandbox does this:

- Lists: `name` sorts by last name, then first name, case-insensitively (Unicode case folding);
  `email` by the lower-cased address; `created_at` by time. Ties go by id, in the same direction,
  so `desc` is exactly `asc` reversed. Without `sort`, rows come by id. `total_pages` is at
  least 1, even with no rows; a page past the end is an empty page, not an error.
- Search: a case-insensitive substring of first name, last name, full name or email. Company
  search matches name or domain.
- Writes: unknown body fields are ignored; an empty string or null clears an optional field;
  `custom_fields` is replaced as a whole; an update that changes nothing keeps `updated_at`.
  `invite_client: true` sends an invitation on update as well as on create.
- Email addresses are unique regardless of case (409); validation problems are reported all at
  once (422) before uniqueness is checked.
- The gateway runs before any endpoint: latency, then (for /api/public-v1/) the per-key rate
  limit, injected failures, and the key check. Requests without a key share one budget per
  client address. The OpenAPI document needs no key and is never throttled or failed.
- Invitations are emailed through Django's email backend (console on stderr by default) and
  recorded; GET /_sandbox/invitations?contact_id=N (key required) lists them for tests.
- stdout carries one access-log line per request ("sandbox GET /path?query 200 3.2ms"), written
  before the response is sent, plus a "listening" line at start and a "stopped" line at exit.
- Test support, off by default: --record FILE appends one JSON line per request (method,
  target, status, parsed JSON body) with its access-log line; --allow-reset serves
  POST /_sandbox/reset (key required, 204), which restores the database to its state at start-up
  and forgets rate-limit counts.
- Every answer after which the server closes the connection says `Connection: close`. On
  SIGTERM or Ctrl-C it stops accepting, lets requests under way finish, and exits.
"""
