"""Which JupyterLab extensions a dashboard page loads.

Voila's page loads every federated extension installed in the environment.
``jupyterlab-plotly`` alone is ~4.9 MB of JavaScript, parsed by every visitor
whether the dashboard draws a chart or not (it doubled the time to a drawn
preview page here). So extensions on :data:`OPT_IN` load only for dashboards
that ask for them in their notebook metadata::

    "metadata": {"qldrops": {"labextensions": ["jupyterlab-plotly"]}}
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

OPT_IN = frozenset({"jupyterlab-plotly"})


@lru_cache(maxsize=64)
def _requested(path: str, mtime: float) -> frozenset[str]:
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f).get("metadata", {})
    except (OSError, ValueError):
        return frozenset()
    wanted = meta.get("qldrops", {}).get("labextensions", []) if isinstance(meta, dict) else []
    return frozenset(str(x) for x in wanted) if isinstance(wanted, list) else frozenset()


def requested_extensions(notebook_path: str | None, root_dir: str) -> frozenset[str]:
    """Opt-in extensions the dashboard's metadata asks for (cached by file modification time)."""
    if not notebook_path:
        return frozenset()
    path = notebook_path if os.path.isabs(notebook_path) else os.path.join(root_dir, notebook_path)
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return frozenset()
    return _requested(path, mtime)


class PageConfigHook:
    """``VoilaConfiguration.page_config_hook``: drop opt-in extensions a dashboard did not ask for,
    and tell the page how long its widgets may take to connect (``qldropsLiveTimeout``, seconds;
    the template's watchdog then asks the visitor to reload)."""

    def __init__(self, root_dir: str, live_timeout: float = 60.0):
        self.root_dir = root_dir
        self.live_timeout = float(live_timeout)

    def __call__(
        self, page_config: dict[str, Any], *, notebook_path: str | None = None, **_: Any
    ) -> dict[str, Any]:
        wanted = requested_extensions(notebook_path, self.root_dir)
        page_config["federated_extensions"] = [
            ext
            for ext in page_config.get("federated_extensions", [])
            if ext.get("name") not in OPT_IN or ext.get("name") in wanted
        ]
        page_config["qldropsLiveTimeout"] = self.live_timeout
        return page_config
