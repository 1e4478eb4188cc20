"""The Hypothesis set-up of tests/conftest.py: steady examples, no state in the checkout."""

import os
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import storage_directory

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="HYPOTHESIS_PROFILE chose another"
)
def test_the_ci_profile_is_loaded_by_default():
    active = settings()
    assert active.derandomize is True
    assert active.database is None
    assert active.deadline is None


def test_hypothesis_stores_nothing_in_the_checkout():
    """Its example database and unicode cache live outside the repository, whatever the cwd."""
    for name in ("examples", "unicode_data"):
        where = storage_directory(name, intent_to_write=False).path.resolve()
        assert ROOT not in where.parents, where


def test_the_dev_profile_keeps_its_database_outside_the_checkout():
    database = settings.get_profile("dev").database
    assert ROOT not in Path(database.path).resolve().parents, database.path
