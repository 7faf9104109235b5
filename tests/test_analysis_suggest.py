"""Suggestions that become versions (issue 10, item 6): diffs with their source, applied as new versions."""

from __future__ import annotations

import ast

import pytest

from qldrops.analysis.suggest import apply_unified_diff, secret_to_env
from qldrops.errors import Conflict, NotFound

APP = '''"""A tiny client."""
import json
import sys

API_KEY = "sk-proj-Q2x9LmT4vB7nR1kW8yZ3pD6sF0hJ5gA"


def fetch( url ):
  return url + API_KEY
'''


def _by_source(found):
    return {s.source: s for s in found}


def test_suggestions_are_diffs_with_their_source(store):
    d = store.put(workflow_id="wf-s", drop_type="code_generation", artifact=APP, metadata={"filename": "client.py"})
    found = _by_source(store.suggest(d.id))
    assert {"ruff", "ruff-format", "qldrops"} <= set(found)
    assert "-import json" in found["ruff"].diff and "-import sys" in found["ruff"].diff  # unused imports
    assert "+def fetch(url):" in found["ruff-format"].diff
    assert '+API_KEY = os.environ["API_KEY"]' in found["qldrops"].diff and "+import os" in found["qldrops"].diff
    assert all(s.version == 1 and s.drop_id == d.id for s in found.values())
    frame = store.suggest(d.id).to_frame()
    assert list(frame["source"]) == [s.source for s in store.suggest(d.id)]


def test_applying_a_suggestion_makes_a_new_version_and_records_it(store):
    d = store.put(workflow_id="wf-s", drop_type="code_generation", artifact=APP, metadata={"filename": "client.py"})
    secret = _by_source(store.suggest(d.id))["qldrops"]
    new = store.apply_suggestion(d.id, secret.id, actor="ana")
    assert new.version == 2 and "sk-proj-" not in new.artifact
    ast.parse(new.artifact)  # still Python
    last = store.history(d.id)[-1]
    assert last.message.startswith(f"apply suggestion {secret.id} (qldrops)") and last.created_by == "ana"
    assert not [i for i in store.analyze(d.id).issues if i["kind"] == "secret"]
    (event,) = store.events.list(event_type="suggestion")
    assert event.metadata["action"] == "accepted" and event.metadata["suggestion"] == secret.id
    assert event.drop_id == d.id and event.workflow_id == "wf-s"
    with pytest.raises(NotFound) as e:  # computed from version 1: gone once the drop changed
        store.apply_suggestion(d.id, secret.id)
    assert "store.suggest" in e.value.hint
    assert len(store.history(d.id)) == 2


def test_a_stale_expected_version_is_a_conflict(store):
    d = store.put(workflow_id="wf-s", drop_type="code_generation", artifact=APP, metadata={"filename": "client.py"})
    fmt = _by_source(store.suggest(d.id))["ruff-format"]
    with pytest.raises(Conflict):
        store.apply_suggestion(d.id, fmt.id, expected_version=7)
    assert len(store.history(d.id)) == 1


def test_dismissing_records_an_event_and_changes_nothing(store):
    d = store.put(workflow_id="wf-s", drop_type="code_generation", artifact=APP, metadata={"filename": "client.py"})
    fmt = _by_source(store.suggest(d.id))["ruff-format"]
    store.dismiss_suggestion(d.id, fmt.id, actor="bo")
    (event,) = store.events.list(event_type="suggestion")
    assert event.metadata["action"] == "dismissed" and event.actor == "bo"
    assert len(store.history(d.id)) == 1
    with pytest.raises(NotFound):
        store.dismiss_suggestion(d.id, "000000000000")


def test_documents_and_clean_code_get_no_suggestions(store):
    doc = store.put(workflow_id="wf-s", drop_type="documentation", artifact="# Usage\n\nRun `make`.\n")
    assert list(store.suggest(doc.id)) == []


@pytest.mark.parametrize("language, line, expected", [
    ("javascript", 'const TOKEN = "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";\n', "const TOKEN = process.env.TOKEN;\n"),
    ("typescript", "export const apiKey = 'AIzaSyA1234567890abcdefghijklmnopqrstuv'\n",
     "export const apiKey = process.env.APIKEY\n"),
])
def test_secret_to_env_keeps_the_name_and_the_statement(language, line, expected):
    assert secret_to_env(line, language, 1) == expected


def test_secret_to_env_refuses_what_it_cannot_rewrite():
    assert secret_to_env('call(token="abc")\n', "python", 1) is None
    assert secret_to_env('x = "a"\n', "python", 5) is None


def test_apply_unified_diff():
    old = "a\nb\nc\nd\n"
    diff = "--- a\n+++ b\n@@ -2,2 +2,3 @@\n b\n-c\n+C\n+c2\n"
    assert apply_unified_diff(old, diff) == "a\nb\nC\nc2\nd\n"
    assert apply_unified_diff(old, "--- a\n+++ b\n@@ -2,1 +2,1 @@\n-x\n+y\n") is None  # does not match
