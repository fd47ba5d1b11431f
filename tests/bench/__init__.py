"""`make bench` (`python -m tests.bench`): the budgets of docs/architecture.md, in one run.

It starts its own processes on free loopback ports (two sandboxes at 100 ms latency, the
dashboard under gunicorn as `make serve` runs it), measures every figure side by side, prints
one table and writes it to tests/bench/RESULTS.md, then stops everything it started, also on
Ctrl-C or an error. Exit status 0 when every budget is met, 1 when one is missed.

Not part of `make test`: no module here is named test_*, so pytest collects nothing from it.
"""
