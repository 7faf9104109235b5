"""Small database helpers shared by the managers of this package."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def reading(store: Any) -> Iterator[Any]:
    """A read-only connection whose driver errors come out as QldropsErrors."""
    from ..store.db import translate_errors

    with translate_errors(str(store.engine.url)), store.engine.connect() as conn:
        yield conn


def insert_ignore(store: Any, table: Any, values: dict, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` on both dialects.

    Execute it and call ``.first()``: a row when inserted, None when the key
    existed (``rowcount`` is not reliable here: psycopg reports -1).
    """
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return (insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
            .returning(table.c.id))
