"""End-to-end tests of the visitor counter on real backing services (issue 3):
Redis, PostgreSQL and SQLite, started by services.py; shared helpers and the
`web` fixture in helpers.py.

A package so that this runs before any test module imports those helpers:
pytest then rewrites their asserts too (they are registered as plugins with
`pytest_plugins`, for their fixtures)."""

import pytest

pytest.register_assert_rewrite("services", "store.helpers")
