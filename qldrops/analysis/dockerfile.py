"""Dockerfile rules written here (hadolint, the usual linter, is not packaged in Debian 12).

Lint findings (kind "lint") for habits that make images unreproducible or large, and
whole-file security findings (kind "security") that a line rule cannot see: which user the
container finally runs as. Line-level security rules (``curl | sh``, ``ADD`` of a URL,
secrets in ``ENV``/``ARG``, ``chmod 777``) live in ``security.DANGEROUS["dockerfile"]``
with the other languages' rules. Rule ids follow hadolint's where one exists, so a reader
can look them up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RULES_BY = "qldrops Dockerfile rules"


@dataclass(frozen=True)
class Instruction:
    line: int  # first line of the instruction
    keyword: str  # upper case: FROM, RUN, USER...
    args: str  # continuation lines joined


_CONTINUED = re.compile(r"\\\s*$")
_FROM = re.compile(r"^(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<alias>\S+))?", re.IGNORECASE)


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, with backslash continuations joined and comments dropped."""
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    for i, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continued RUN are ignored by Docker
        if not buf:
            start = i
        buf.append(_CONTINUED.sub("", stripped))
        if _CONTINUED.search(stripped):
            continue
        joined = " ".join(p for p in buf if p)
        buf = []
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    if buf:
        joined = " ".join(p for p in buf if p)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    return out


def _finding(line: int, rule: str, severity: str, message: str, hint: str, kind: str = "lint") -> dict:
    return {"line": line, "rule": rule, "severity": severity, "message": message, "hint": hint, "kind": kind}


def check(text: str) -> dict:
    """``{"lint": [...], "lint_by": ..., "code_security": [...]}`` for a Dockerfile."""
    ins = instructions(text)
    lint: list[dict] = []
    sec: list[dict] = []
    aliases: set[str] = set()
    for it in ins:
        if it.keyword == "FROM":
            m = _FROM.match(it.args)
            if not m:
                continue
            image = m.group("image")
            if m.group("alias"):
                aliases.add(m.group("alias").lower())
            name = image.rsplit("/", 1)[-1]
            if image.lower() in aliases or image == "scratch" or "$" in image or "@sha256:" in image:
                continue
            if name.endswith(":latest"):
                lint.append(_finding(it.line, "DL3007", "medium", f"FROM {image}: the 'latest' tag moves",
                                     "pin a version tag (or a digest)"))
            elif ":" not in name:
                lint.append(_finding(it.line, "DL3006", "medium", f"FROM {image} has no tag (means 'latest')",
                                     "pin a version tag (or a digest)"))
        elif it.keyword == "RUN":
            for cmd in re.split(r"&&|;|\|\|", it.args):
                if re.search(r"\bapt-get\s+(?:-\S+\s+)*install\b", cmd):
                    if "--no-install-recommends" not in cmd:
                        lint.append(_finding(it.line, "DL3015", "low", "apt-get install without --no-install-recommends",
                                             "add --no-install-recommends (smaller image, fewer surprises)"))
                    if not re.search(r"(^|\s)(-y|--yes|-qq?y|--assume-yes)\b|\s-\w*y\w*\b", cmd):
                        lint.append(_finding(it.line, "DL3014", "medium", "apt-get install without -y: the build waits "
                                             "for an answer", "add -y"))
            if re.search(r"\bapt-get\s+(?:-\S+\s+)*install\b", it.args) and "/var/lib/apt/lists" not in it.args:
                lint.append(_finding(it.line, "DL3009", "low", "apt lists left in the layer",
                                     "end the RUN with && rm -rf /var/lib/apt/lists/*"))
            if re.match(r"cd\s", it.args):
                lint.append(_finding(it.line, "DL3003", "low", "RUN cd ...: the directory does not carry over",
                                     "use WORKDIR"))
        elif it.keyword == "MAINTAINER":
            lint.append(_finding(it.line, "DL4000", "low", "MAINTAINER is deprecated",
                                 'use LABEL maintainer="..."'))
    users = [it for it in ins if it.keyword == "USER"]
    if ins and any(it.keyword == "FROM" for it in ins):
        if not users:
            sec.append(_finding(1, "docker-no-user", "low", "no USER instruction: the container runs as root",
                                "add a non-root user (RUN useradd ...; USER app)", "security"))
        elif users[-1].args.split(":")[0] in ("root", "0"):
            sec.append(_finding(users[-1].line, "DL3002", "medium", "the last USER is root: the container runs as root",
                                "switch to a non-root user after installing", "security"))
    return {"lint": lint, "lint_by": RULES_BY, "code_security": sec}
