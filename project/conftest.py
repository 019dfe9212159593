"""Fixtures every app's tests share (users, clients, a post); see core/tests/fixtures.py."""

from core.tests.fixtures import (  # noqa: F401
    alice,
    anon,
    as_alice,
    as_bob,
    bob,
    carol,
    fast_password_hashing,
    post,
)
