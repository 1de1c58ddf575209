"""Shared test helpers and sample data, grouped by job; test modules import from here, never from
each other. Fixtures that several modules use live in tests/conftest.py."""
