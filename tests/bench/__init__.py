"""`make bench` (`python -m tests.bench`): the budgets of docs/architecture.md, in one run.

It starts its own processes on free loopback ports (sandboxes at 100 ms latency, the dashboard
under gunicorn as `make serve` runs it, a `db_worker` as `make worker` runs it, PostgreSQL and
Redis for the two-host figures), measures every figure side by side, prints one table and
writes it to tests/bench/RESULTS.md, then stops everything it started, also on Ctrl-C or an
error. Exit status 0 when every budget is met, 1 when one is missed.

`--only jobs,hosts` runs some parts only (pages, staff, hosts, delete, jobs; see --help) and
leaves RESULTS.md alone.

Not part of `make test`: no module here is named test_*, so pytest collects nothing from it.
"""
