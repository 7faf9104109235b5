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


def validate_metadata(drop_type: str, metadata: Any, schema: dict[str, Any] | None) -> dict[str, Any]:
    """Return metadata as plain JSON data, or raise ValidationError saying what is wrong."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValidationError(f"metadata must be a JSON object (a dict), not {type(metadata).__name__}",
                              hint="pass metadata={'key': value, ...}")
    try:
        text = json.dumps(metadata, allow_nan=False, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ValidationError(f"metadata is not JSON-serialisable: {e}",
                              hint="use strings, numbers, booleans, lists and dicts only "
                                   "(convert datetimes with .isoformat())") from None
    data = json.loads(text)
    if schema:
        try:
            _validator(json.dumps(schema, sort_keys=True))(data)
        except _schema_error() as err:
            where = err.name.removeprefix("data").lstrip(".") or "(top level)"
            raise ValidationError(f"metadata for a {drop_type!r} drop is invalid at {where}: {err.message}",
                                  hint=f"fix that key, or leave it out; see qldrops.store.types for {drop_type!r}")
    return data


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
