"""bandit for Python security, in process.

bandit's command pays ~1 s of imports per call; its manager, imported once per process,
checks a small file in ~15 ms (like sqlfluff in :mod:`.linters`). The findings feed the
security part of the quality score beside ruff (the lint part) and our line rules. Tests
that overlap other parts are left out: hard-coded passwords (B105-B107: the secrets part
measures those with fewer false alarms), ``assert`` (B101) and the import-only notes
(B403, B404: the call that matters is reported by its own test), and a subprocess started
with an argument list (B603, B607: the form we recommend).
"""

from __future__ import annotations

import logging
import os
import tempfile

from .linters import NotMeasured

INSTALL = "pip install 'qldrops[analysis]' (bandit)"
EXCLUDE = ("B101", "B105", "B106", "B107", "B403", "B404", "B603", "B607")
SEVERITY = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}

_CONF: dict[str, object] = {}


def bandit_findings(text: str) -> list[dict]:
    """bandit's findings (kind "security", rule ``bandit:Bxxx``) for Python source."""
    try:
        from bandit.core import config, manager
    except ImportError as exc:
        raise NotMeasured(f"bandit is not installed ({INSTALL})") from exc
    conf = _CONF.get("conf")
    if conf is None:
        logging.getLogger("bandit").setLevel(logging.ERROR)  # it logs every skipped file as a warning
        conf = _CONF["conf"] = config.BanditConfig()
    fd, path = tempfile.mkstemp(prefix="qldrops-bandit-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(text)
        mgr = manager.BanditManager(conf, "file", quiet=True,
                                    profile={"include": set(), "exclude": set(EXCLUDE)})
        mgr.discover_files([path])
        mgr.run_tests()
        if mgr.skipped:
            raise NotMeasured(f"bandit could not read the file ({mgr.skipped[0][1]})")
        issues = mgr.get_issue_list()
    finally:
        os.unlink(path)
    out = []
    for i in issues:
        if i.test_id in EXCLUDE:
            continue
        more = f"; see https://bandit.readthedocs.io ({i.test_id} {i.test})"
        out.append({"line": i.lineno, "rule": f"bandit:{i.test_id}", "severity": SEVERITY.get(i.severity, "low"),
                    "message": i.text, "hint": f"confidence {i.confidence.lower()}{more}", "kind": "security"})
    return out
