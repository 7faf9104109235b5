"""Constants and helpers shared by conftest.py and test modules.

(Test modules import this, never ``conftest``: with several conftest.py files in
the tree, ``import conftest`` may find the wrong one.)
"""

from __future__ import annotations

import os

from qldrops.settings import Settings

PG_ADMIN_URL = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("QLDROPS_REQUIRE_POSTGRES") == "1"


# Debian's chromium, driven by Playwright (``playwright install`` cannot download here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def test_settings(tmp_path, **overrides) -> Settings:
    base = dict(data_dir=str(tmp_path), index_dir=str(tmp_path / "index"), embedding_model="fake",
                progress=False, workspace="default")
    base.update(overrides)
    return Settings(**base)


test_settings.__test__ = False  # not a test, whatever its name
