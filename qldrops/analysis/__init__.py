"""qldrops.analysis: language, frameworks, quality, security, summary and multi-file projects.

    from qldrops.analysis import analyze, redact
    a = analyze(text, filename=None)        # never raises for bad content; see Analysis.errors

Everything here is local (no network). Heavy tools (lizard, radon, magika, detect-secrets)
load on first use, so importing this package is cheap.
"""

from __future__ import annotations

__all__ = [
    "Analyser",
    "Analysis",
    "AnalysisList",
    "Project",
    "analyser_version",
    "analyze",
    "detect_language",
    "redact",
]


def __getattr__(name: str):
    if name in {"analyze", "Analyser", "analyser_version"}:
        from . import core

        return getattr(core, name)
    if name in {"Analysis", "AnalysisList"}:
        from . import model

        return getattr(model, name)
    if name == "redact":
        from .security import redact

        return redact
    if name == "detect_language":
        from .detect import detect_language

        return detect_language
    if name == "Project":
        from .project import Project

        return Project
    raise AttributeError(f"module 'qldrops.analysis' has no attribute {name!r}")
