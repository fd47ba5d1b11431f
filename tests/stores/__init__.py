"""Tests of the shared stores (PostgreSQL, Redis) and of several dashboard hosts sharing them."""
