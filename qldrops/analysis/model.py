"""The `Analysis` result and `AnalysisList` (a list with ``.to_frame()``)."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field, fields


@dataclass
class Analysis:
    """What qldrops knows about one text. JSON-able through :meth:`to_dict` (stored in ``analyses``)."""

    language: str
    language_confidence: float
    kind: str = "code"  # code | document (requirements, plans, trees, docs, records: not scored as code)
    language_source: str = "content"
    language_candidates: list = field(default_factory=list)
    filename: str | None = None
    size: int = 0
    lines: int = 0
    content_hash: str = ""
    analyser_version: str = ""
    frameworks: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    entry_point: bool = False
    quality_score: float | None = None
    quality_parts: dict = field(default_factory=dict)  # part -> score (None: not measured), weight, detail, measured_by
    quality_coverage: str = ""  # "4 of 8 parts measured"
    quality_cap: dict | None = None  # {"limit", "uncapped", "reason"} when a security finding capped the score
    complexity: float | None = None  # average cyclomatic complexity per function
    functions: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    issues: list[dict] = field(default_factory=list)  # lint + security, each with line, rule, severity, hint
    summary: str = ""
    errors: list[dict] = field(default_factory=list)  # analysers that failed or timed out (partial result)
    notes: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # ms per analyser
    drop_id: int | None = None
    feedback: dict | None = None  # {"count", "mean", "adjusted_quality"} when the store has ratings

    @property
    def security(self) -> list[dict]:
        return [i for i in self.issues if i.get("kind") in {"security", "secret"}]

    @property
    def issue_count(self) -> int:
        return len(self.issues)

    @property
    def security_count(self) -> int:
        return len(self.security)

    @property
    def partial(self) -> bool:
        return bool(self.errors)

    @property
    def adjusted_quality(self) -> float | None:
        return (self.feedback or {}).get("adjusted_quality", self.quality_score)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Analysis:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def row(self) -> dict:
        """The flat figures a table shows."""
        return {"drop_id": self.drop_id, "filename": self.filename, "language": self.language,
                "language_confidence": self.language_confidence, "frameworks": ", ".join(self.frameworks),
                "quality_score": self.quality_score, "quality_coverage": self.quality_coverage,
                "capped": bool(self.quality_cap), "adjusted_quality": self.adjusted_quality,
                "complexity": self.complexity, "issues": self.issue_count, "security": self.security_count,
                "lines": self.lines, "errors": "; ".join(f"{e['analyser']}: {e['error']}" for e in self.errors),
                "summary": self.summary}

    def __repr__(self) -> str:
        where = f"drop {self.drop_id}" if self.drop_id is not None else (self.filename or "text")
        q = "n/a" if self.quality_score is None else f"{self.quality_score:.0f}/100"
        extra = f", {len(self.errors)} analyser error(s)" if self.errors else ""
        fw = f" [{', '.join(self.frameworks)}]" if self.frameworks else ""
        return (f"<Analysis {where}: {self.language} ({self.language_confidence:.2f}){fw}, quality {q}, "
                f"complexity {self.complexity}, {self.issue_count} issues ({self.security_count} security){extra}>")

    def _repr_html_(self) -> str:
        e = html.escape
        q = "not measured" if self.quality_score is None else f"{self.quality_score:.0f}/100"
        q += f" ({e(self.quality_coverage)})" if self.quality_coverage else ""
        q += f"; {e(self.quality_cap['reason'])}" if self.quality_cap else ""
        parts = "".join(f"<tr><td>{e(k)}</td><td>{'not measured' if p['score'] is None else p['score']}</td>"
                        f"<td>{p['weight']}</td><td>{e(p['detail'])}</td><td>{e(p.get('measured_by') or '')}</td></tr>"
                        for k, p in self.quality_parts.items())
        issues = "".join(f"<tr><td>{i['line']}</td><td>{e(i['severity'])}</td><td>{e(i['rule'])}</td>"
                         f"<td>{e(i['message'])}</td><td>{e(i.get('hint', ''))}</td></tr>" for i in self.issues[:50])
        errs = "".join(f"<li>{e(x['analyser'])}: {e(x['error'])}</li>" for x in self.errors)
        return (f"<div class='qldrops-analysis'><b>{e(self.language)}</b> (confidence {self.language_confidence:.2f},"
                f" {e(self.language_source)}) &middot; quality <b>{q}</b> &middot; complexity {self.complexity}"
                f"<p>{e(self.summary)}</p>"
                + (f"<table><tr><th>part</th><th>score</th><th>weight</th><th>figure</th><th>measured by</th></tr>{parts}</table>" if parts else "")
                + (f"<table><tr><th>line</th><th>severity</th><th>rule</th><th>message</th><th>fix</th></tr>{issues}</table>"
                   if issues else "")
                + (f"<p>Partial result:</p><ul>{errs}</ul>" if errs else "") + "</div>")


class AnalysisList(list):
    """A list of Analysis objects; ``.to_frame()`` gives one row each."""

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([a.row() for a in self])

    def __repr__(self) -> str:
        return f"<AnalysisList of {len(self)} analyses>"
