"""Drop types and their metadata rules.

The seven types today's workflows emit are built in; their metadata is checked
against a JSON schema (extra keys are allowed, known keys must have the right
type). Any other type must be registered first (``store.register_type``), so a
typo in a batch script is an error instead of a new silent category.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import fastjsonschema

from ..errors import UnknownDropType, ValidationError

_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 0}
_NUM = {"type": "number", "minimum": 0}
_STRS = {"type": "array", "items": {"type": "string"}}

COMMON = {"generated_at": _STR, "model": _STR, "tags": _STRS, "title": _STR, "language": _STR}

BUILTIN_TYPES: dict[str, dict[str, Any]] = {
    "prompt_enhancement": {"original_prompt": _STR, "tokens": _INT},
    "frd_generation": {"sections": _INT},
    "project_structure": {"files": _STRS, "project_type": _STR},
    "code_generation": {"filename": _STR, "framework": _STR, "files": _STRS, "path": _STR},
    "test_plan_generation": {"framework": _STR, "cases": _INT},
    "documentation": {"format": _STR},
    "completion": {
        "status": {"type": "string", "enum": ["success", "partial", "failed"]},
        "duration_s": _NUM,
        "files_generated": _INT,
        "tokens": _INT,
    },
}

DESCRIPTIONS = {
    "prompt_enhancement": "the enhanced prompt",
    "frd_generation": "the functional requirements document",
    "project_structure": "the planned file tree",
    "code_generation": "generated code (one or more files)",
    "test_plan_generation": "the test plan",
    "documentation": "generated documentation",
    "completion": "the completion record of a workflow",
}


def builtin_schema(name: str) -> dict[str, Any]:
    props = dict(COMMON)
    props.update(BUILTIN_TYPES[name])
    return {"type": "object", "properties": props, "additionalProperties": True}


def check_type_name(name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > 64 or not name.replace("_", "").replace("-", "").isalnum():
        raise ValidationError(f"drop type {name!r} is not a valid name",
                              hint="use letters, digits, '_' or '-' (at most 64 characters)")
    return name


# Metadata is a small JSON object about a drop, not a second artifact. Past these limits a
# put is refused on both backends (PostgreSQL would fail on its own, later and differently:
# recursion in the encoder, "string is too long for tsvector").
MAX_METADATA_DEPTH = 32
MAX_METADATA_BYTES = 256 * 1024


def validate_metadata(drop_type: str, metadata: Any, schema: dict[str, Any] | None, *,
                      what: str = "metadata") -> dict[str, Any]:
    """Return metadata as plain JSON data, or raise ValidationError saying what is wrong.

    Refused on every backend alike: nesting deeper than ``MAX_METADATA_DEPTH``, more than
    ``MAX_METADATA_BYTES`` of JSON, NUL characters and lone surrogates (neither is valid in
    PostgreSQL's jsonb or in UTF-8), values that are not JSON.
    """
    return metadata_json(drop_type, metadata, schema, what=what)[0]


# Exact types whose JSON text reads back as an equal value of the same type (no subclasses:
# an IntEnum or a str subclass may print differently).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def metadata_json(drop_type: str, metadata: Any, schema: dict[str, Any] | None, *,
                  what: str = "metadata") -> tuple[dict[str, Any], str]:
    """:func:`validate_metadata` and the JSON text of its result (keys sorted), made once.

    The common case (a flat dict of string keys to JSON scalars or lists of them) is copied and
    serialised once, without the JSON round trip; anything else, or anything that fails there
    (NaN, NUL, lone surrogates, too big), takes the full check, which says what is wrong. Both
    give the same data and the same text."""
    if metadata is None:
        metadata = {}
    data = _plain_copy(metadata) if type(metadata) is dict else None
    text = ""
    if data is not None:
        try:
            text = _dumps_plain(data)
            size = len(text.encode("utf-8"))
        except (ValueError, UnicodeEncodeError):
            data = None
        else:
            # A NUL prints as \u0000 (a literal backslash before "u0000" also matches: the full
            # check then finds nothing wrong and the result is the same).
            if size > MAX_METADATA_BYTES or "\\u0000" in text:
                data = None
    if data is None:
        data, text = _checked(drop_type, metadata, what)
    if schema:
        try:
            _compiled(schema)(data)
        except _schema_error() as err:
            where = err.name.removeprefix("data").lstrip(".") or "(top level)"
            raise ValidationError(f"metadata for a {drop_type!r} drop is invalid at {where}: {err.message}",
                                  hint=f"fix that key, or leave it out; see qldrops.store.types for {drop_type!r}")
    return data, text


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


try:  # json.dumps with non-default options builds a new encoder per call: 3 of its 4 µs on a small dict
    from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
    from json.encoder import encode_basestring as _encode_basestring
except ImportError:  # pragma: no cover - CPython always has the C accelerator
    _c_make_encoder = None
_PLAIN_ENCODER = (None if _c_make_encoder is None else
                  _c_make_encoder(None, _refuse, _encode_basestring, None, ": ", ", ", False, False, False))


def _dumps_plain(data: dict[str, Any]) -> str:
    """``json.dumps(data, allow_nan=False, ensure_ascii=False)`` of plain data (no cycles possible)."""
    if _PLAIN_ENCODER is None:  # pragma: no cover
        return json.dumps(data, allow_nan=False, ensure_ascii=False)
    return "".join(_PLAIN_ENCODER(data, 0))


def _plain_copy(metadata: dict[Any, Any]) -> dict[str, Any] | None:
    """A copy with sorted keys if every key is a str and every value a JSON scalar or a list of them."""
    scalars = _SCALARS
    for k, v in metadata.items():
        if type(k) is not str:
            return None
        if type(v) not in scalars and (type(v) is not list or any(type(x) not in scalars for x in v)):
            return None
    return {k: (list(v) if type(v) is list else v) for k, v in sorted(metadata.items())}


def _checked(drop_type: str, metadata: Any, what: str) -> tuple[dict[str, Any], str]:
    if not isinstance(metadata, dict):
        raise ValidationError(f"{what} must be a JSON object (a dict), not {type(metadata).__name__}",
                              hint="pass metadata={'key': value, ...}")
    _check_tree(metadata, what)
    try:
        text = json.dumps(metadata, allow_nan=False, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ValidationError(f"{what} is not JSON-serialisable: {e}",
                              hint="use strings, numbers, booleans, lists and dicts only "
                                   "(convert datetimes with .isoformat())") from None
    size = len(text.encode("utf-8"))  # _check_tree refused lone surrogates: this cannot fail
    if size > MAX_METADATA_BYTES:
        raise ValidationError(f"{what} is {size:,} bytes of JSON, over the limit of {MAX_METADATA_BYTES:,}",
                              hint="keep metadata to a summary; put bulky data in the artifact "
                                   "or in a drop of its own")
    data = json.loads(text)
    # The text of the data as read back (int keys became strings, tuples lists): what a store writes.
    return data, json.dumps(data, ensure_ascii=False)


def _check_tree(metadata: dict[str, Any], what: str) -> None:
    """Depth, NUL and surrogates, without recursion (a hostile depth must not hit Python's limit)."""
    stack: list[tuple[Any, int, str]] = [(metadata, 1, what)]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_METADATA_DEPTH:
                raise ValidationError(f"{what} is nested deeper than {MAX_METADATA_DEPTH} levels (at {where})",
                                      hint="flatten it: use keys like 'a.b' instead of nested objects")
            for k, v in value.items():
                if isinstance(k, str):
                    _check_text(k, f"a key in {where}", what)
                stack.append((v, depth + 1, f"{where}[{k!r}]"[:200]))
        elif isinstance(value, (list, tuple)):
            if depth > MAX_METADATA_DEPTH:
                raise ValidationError(f"{what} is nested deeper than {MAX_METADATA_DEPTH} levels (at {where})",
                                      hint="flatten it: use keys like 'a.b' instead of nested lists")
            stack.extend((v, depth + 1, f"{where}[{i}]"[:200]) for i, v in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, where, what)


def _check_text(text: str, where: str, what: str) -> None:
    if "\x00" in text:
        raise ValidationError(f"{what} holds a NUL character at {where}",
                              hint="remove it (text.replace('\\x00', '')), or base64-encode binary values")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{what} holds lone surrogate characters (not valid UTF-8) at {where}",
                              hint="decode the source with errors='replace' first") from None


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON data as PostgreSQL's jsonb sees it: the rule of metadata filters.

    Types count (``true`` is not ``1``), numbers compare by value, objects regardless of key
    order, lists in order. SQLite gets it as the SQL function ``qldrops_json_equal`` (JSON texts).
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def sql_json_equal(a: str | None, b: str | None) -> int:
    """``json_equal`` over two JSON texts, for SQLite (1 or 0; NULL or bad JSON: 0)."""
    if a is None or b is None:
        return 0
    try:
        return int(json_equal(json.loads(a), json.loads(b)))
    except (ValueError, RecursionError):
        return 0


_COMPILED: dict[int, tuple[dict[str, Any], Any]] = {}  # id(schema) -> (schema, validator): a clearable cache


def _compiled(schema: dict[str, Any]):
    """The validator of this schema object, without serialising the schema again for every drop of a batch."""
    hit = _COMPILED.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = _validator(json.dumps(schema, sort_keys=True))
    if len(_COMPILED) >= 256:
        _COMPILED.clear()
    _COMPILED[id(schema)] = (schema, validator)
    return validator


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str):
    # fastjsonschema compiles a schema to Python once; `import jsonschema` pulls in a grammar
    # library that took 8 s to import here, on the write path of every batch script.

    return fastjsonschema.compile(json.loads(schema_json))


def _schema_error():
    return fastjsonschema.JsonSchemaValueException


def check_schema(schema: dict) -> None:
    """Refuse a schema that is not a valid JSON schema."""
    try:
        _validator(json.dumps(schema, sort_keys=True))
    except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError) as e:
        raise ValidationError(f"not a valid JSON schema: {e}", hint="see https://json-schema.org") from None


def unknown_type(name: str, known: list[str]) -> UnknownDropType:
    return UnknownDropType(
        f"unknown drop type {name!r}; known types: {', '.join(sorted(known))}",
        hint=f"register it first: store.register_type({name!r}) or `qldrops register-type {name}`",
    )
