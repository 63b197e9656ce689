"""The gateway parses and validates a document once; limits still hold for every new one."""

from __future__ import annotations

from typing import Any

import pytest
from aerie_gateway import limits
from aerie_gateway.schema import build_schema


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every document the limits measure (the first validation rule to see a document)."""
    seen: list[Any] = []
    check = limits.check_document

    def counting(document: Any, given: Any) -> Any:
        seen.append(document)
        return check(document, given)

    monkeypatch.setattr(limits, "check_document", counting)
    return seen


def test_a_document_sent_again_is_not_validated_again(measured: list[Any]) -> None:
    schema = build_schema()
    query = 'query CachedOnce { employee(id: "N-1") { id displayName } }'
    schema.execute_sync(query)
    schema.execute_sync(query)
    schema.execute_sync(query)
    assert len(measured) == 1


def test_a_new_hostile_document_is_still_measured_and_refused(measured: list[Any]) -> None:
    schema = build_schema()
    schema.execute_sync("query Benign { me { role } }")
    bomb = "query { ...F0 }\n" + "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(22)
    )
    result = schema.execute_sync(bomb + "fragment F22 on Query { me { role } }")
    assert result.errors and {e.extensions["code"] for e in result.errors} == {"QUERY_TOO_COMPLEX"}
    assert len(measured) == 2
    again = schema.execute_sync(bomb + "fragment F22 on Query { me { role } }")
    assert {e.extensions["code"] for e in again.errors or []} == {"QUERY_TOO_COMPLEX"}
