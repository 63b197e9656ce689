"""Saved queries: the committed operations in ``graphql/operations/``, sent by their hash.

A client sends ``{"documentId": "sha256:<hex>", "variables": {...}}`` (or the
Apollo-style ``extensions.persistedQuery.sha256Hash``) instead of the text.
The hash is the SHA-256 of the file's text. Only committed operations are
known: a client cannot register new ones. Each file doubles as a golden test
(``tests/e2e/test_saved_queries.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "operations"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


class UnknownSavedQuery(Exception):
    """A hash that names no committed operation."""


def saved_queries(folder: Path = OPERATIONS_DIR) -> dict[str, SavedQuery]:
    """The committed operations by their SHA-256."""
    found = [SavedQuery(p.stem, p.read_text()) for p in sorted(folder.glob("*.graphql"))]
    return {q.sha256: q for q in found}


def requested_hash(body: dict[str, Any]) -> str | None:
    """The hash a request names instead of a query text, if any."""
    document_id = body.get("documentId")
    if isinstance(document_id, str):
        return document_id.removeprefix("sha256:")
    extensions = body.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
        return persisted["sha256Hash"]
    return None


def with_saved_query(body: Any, known: dict[str, SavedQuery]) -> Any:
    """``body`` with the text of the saved query it names (unchanged when it names none)."""
    if not isinstance(body, dict) or body.get("query"):
        return body
    wanted = requested_hash(body)
    if wanted is None:
        return body
    saved = known.get(wanted)
    if saved is None:
        raise UnknownSavedQuery(wanted)
    return {**body, "query": saved.text}
