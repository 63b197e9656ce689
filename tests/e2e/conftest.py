"""Fixtures of the end-to-end modules: each module gets a database and a write side of its own."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import write_side


@pytest.fixture(scope="module")
def database_url(fresh_database: Any, request: pytest.FixtureRequest) -> str:
    """A fresh database named after the test module (``test_faults`` -> ``faults``)."""
    return fresh_database(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))


@pytest.fixture(scope="module")
def side(database_url: str) -> Iterator[Any]:
    built = write_side(database_url)
    yield built
    built.close()


@pytest.fixture(scope="module")
def bus(side: Any) -> Any:
    return side.bus
