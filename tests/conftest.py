"""Fixtures the tests of workbook/ share."""

import pytest


@pytest.fixture
def seeded(db):
    """The seed after TRUNCATE ... RESTART IDENTITY: the ids the notebooks show."""
    from demo.seed import reset

    reset()
