"""qldrops.analysis: language, frameworks, quality, security, summary and multi-file projects.

    from qldrops.analysis import analyze, redact
    a = analyze(text, filename=None)        # never raises for bad content; see Analysis.errors

Everything here is local (no network). Heavy tools (lizard, radon, magika, detect-secrets)
load on first use, so importing this package is cheap.
"""

from __future__ import annotations

from .core import Analyser, analyser_version, analyze
from .detect import detect_language
from .model import Analysis, AnalysisList
from .project import Project
from .security import redact

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
