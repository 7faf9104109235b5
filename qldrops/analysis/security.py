"""Security findings (secrets in any language, dangerous calls in Python/JS/TS) and redaction.

Secrets come from detect-secrets (``scan_file`` on a temp file: ``scan_line`` has no
filters and floods) plus our own patterns for keys it or other tools miss by design
(an ``AKIA...`` key id outside an obviously named variable). Dangerous calls are line
patterns: they are cheap, work on snippets that do not parse, and every finding
carries a rule, a severity and a hint.
"""

from __future__ import annotations

import bisect
import os
import re
import tempfile
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    severity: str  # high | medium | low
    message: str
    hint: str
    kind: str = "security"  # security | secret

    def to_dict(self) -> dict:
        return asdict(self)


# (rule, regex, severity, message, hint) -- secrets: also used by redact()
SECRET_PATTERNS: list[tuple[str, str, str, str]] = [
    ("aws-access-key-id", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", "AWS access key id", "rotate the key and read it from the environment"),
    ("aws-secret-key", r"(?i)aws(.{0,20})?(secret|private)?.{0,20}['\"][0-9a-zA-Z/+]{40}['\"]", "AWS secret access key", "rotate it; use an IAM role or environment variable"),
    ("github-token", r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}", "GitHub token", "revoke it on GitHub; read tokens from the environment"),
    ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "Slack token", "revoke it; use a secret store"),
    ("stripe-key", r"\b(sk|rk)_(live|test)_[0-9a-zA-Z]{16,}", "Stripe secret key", "roll the key in the Stripe dashboard"),
    ("openai-key", r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}", "API secret key (sk-...)", "revoke it and load it from the environment"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}\b", "Google API key", "restrict and rotate the key"),
    ("private-key", r"-----BEGIN ((RSA|EC|DSA|OPENSSH|PGP) )?PRIVATE KEY( BLOCK)?-----", "private key", "never commit private keys; load from a secret store"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", "JSON Web Token", "do not hard-code tokens"),
    ("url-credentials", r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@[^\s'\"]+", "credentials in a URL", "move the password out of the URL (environment variable)"),
    ("password-assignment", r"(?i)\b(password|passwd|pwd|secret|api_?key|auth_?token|access_?token)\b[\"']?\s*[:=]\s*[\"'][^\"'\s]{6,}[\"']", "hard-coded credential", "read it from the environment or a secret store"),
]

# language -> (rule, regex, severity, message, hint)
DANGEROUS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "python": [
        ("py-eval", r"(?<![\w.])(eval|exec)\s*\(", "high", "eval/exec runs arbitrary code", "use ast.literal_eval or explicit parsing"),
        ("py-shell-true", r"subprocess\.\w+\([^)]*shell\s*=\s*True|\bos\.(system|popen)\s*\(", "high", "command run through a shell", "pass a list of arguments with shell=False"),
        ("py-sql-format", r"\.(execute|executemany|raw)\s*\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format\(|\+))", "high", "SQL built by string formatting", "use query parameters (cursor.execute(sql, params))"),
        ("py-sql-string", r"f\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*\{|f'[^'\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^'\n]*\{|\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*\"\s*(%\s*[\w(]|\.format\(|\+\s*\w)|'[^'\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^'\n]*'\s*(%\s*[\w(]|\.format\(|\+\s*\w)", "high", "SQL text built from variables", "use query parameters (cursor.execute(sql, params))"),
        ("py-pickle", r"\b(pickle|cPickle|dill|shelve)\.(loads?|Unpickler)\b|\bmarshal\.loads?\(", "high", "unsafe deserialisation", "use JSON, or only unpickle data you produced"),
        ("py-yaml-load", r"\byaml\.(load|load_all)\s*\((?![^)]*Loader\s*=\s*(yaml\.)?SafeLoader)", "medium", "yaml.load can build arbitrary objects", "use yaml.safe_load"),
        ("py-tls-off", r"verify\s*=\s*False", "medium", "TLS certificate checks disabled", "keep verify=True; add the CA bundle instead"),
        ("py-tempfile", r"\btempfile\.mktemp\(", "low", "race-prone temporary file", "use tempfile.mkstemp or NamedTemporaryFile"),
        ("py-md5", r"\bhashlib\.(md5|sha1)\(", "low", "weak hash", "use hashlib.sha256 (or usedforsecurity=False for checksums)"),
        ("py-debug", r"\.run\([^)]*debug\s*=\s*True", "medium", "debug server enabled", "turn debug off outside development"),
    ],
    "javascript": [
        ("js-eval", r"(?<![\w.$])eval\s*\(", "high", "eval runs arbitrary code", "parse the data (JSON.parse) instead"),
        ("js-new-function", r"\bnew\s+Function\s*\(", "high", "new Function compiles a string", "avoid compiling strings into code"),
        ("js-child-process", r"\bexec(Sync)?\s*\(\s*(`[^`]*\$\{|[^)]*\+)", "high", "shell command built from data", "use execFile/spawn with an argument array"),
        ("js-inner-html", r"\.(innerHTML|outerHTML)\s*=|\bdocument\.write\s*\(|dangerouslySetInnerHTML", "medium", "HTML injection (XSS)", "set textContent, or sanitise with DOMPurify"),
        ("js-sql-concat", r"\.(query|execute|raw)\s*\(\s*(`[^`]*\$\{|[\"'][^\"']*(SELECT|INSERT|UPDATE|DELETE)[^\"']*[\"']\s*\+)", "high", "SQL built by string concatenation", "use placeholders ($1, ?) and pass values separately"),
        ("js-sql-template", r"`[^`]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^`]*\$\{", "high", "SQL text built from variables", "use placeholders ($1, ?) and pass values separately"),
        ("js-settimeout-string", r"\bset(Timeout|Interval)\s*\(\s*[\"'`]", "medium", "timer with a code string", "pass a function"),
        ("js-tls-off", r"rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED", "medium", "TLS certificate checks disabled", "keep certificate validation on"),
    ],
}
DANGEROUS["php"] = [
    ("php-sql-concat", r"(mysqli_query|->query|->exec|pg_query)\s*\([^;]*(\$_(GET|POST|REQUEST)|\.\s*\$\w+|\"[^\"]*\$\w+)", "high", "SQL built from variables", "use prepared statements (PDO::prepare with placeholders)"),
    ("php-sql-string", r"\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*(\$\w+|\"\s*\.\s*\$\w+)|'[^'\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^'\n]*'\s*\.\s*\$\w+", "high", "SQL text built from variables", "use prepared statements (PDO::prepare with placeholders)"),
    ("php-echo-unescaped", r"\becho\b[^;]*(\.\s*\$\w+|\{\$\w+)", "medium", "variable echoed into HTML without escaping (XSS)", "wrap it in htmlspecialchars()"),
    ("php-xss", r"\becho\b[^;]*\$_(GET|POST|REQUEST|COOKIE)", "high", "request data echoed without escaping (XSS)", "escape with htmlspecialchars()"),
    ("php-eval", r"(?<![\w>])(eval|assert|system|shell_exec|passthru|exec)\s*\(\s*\$", "high", "code or command built from a variable", "avoid eval/shell; escapeshellarg() at least"),
    ("php-unserialize", r"\bunserialize\s*\(\s*\$", "high", "unsafe deserialisation", "use json_decode"),
]
DANGEROUS["typescript"] = DANGEROUS["javascript"]
DANGEROUS["html"] = [r for r in DANGEROUS["javascript"] if r[0] in {"js-eval", "js-inner-html", "js-new-function"}]

_COMPILED: dict[str, list] = {}


def _compiled_secrets() -> list[tuple[str, re.Pattern[str], str, str]]:
    if "secrets" not in _COMPILED:
        _COMPILED["secrets"] = [(r, re.compile(p), m, h) for r, p, m, h in SECRET_PATTERNS]
    return _COMPILED["secrets"]


def has_code_rules(language: str) -> bool:
    """Whether the dangerous-call rules read ``language`` (else its security part is "not measured")."""
    return bool(DANGEROUS.get(language))


def _compiled_dangerous(language: str) -> list:
    if language not in _COMPILED:
        _COMPILED[language] = [(r, re.compile(p), s, m, h) for r, p, s, m, h in DANGEROUS.get(language, [])]
    return _COMPILED[language]


def pattern_findings(text: str, language: str) -> list[Finding]:
    """Our own secret patterns plus the dangerous-call rules for ``language``.

    Each rule runs once over the whole text (C speed) and matches are mapped to line
    numbers afterwards: a per-line loop took over 10 s on a 10 MB file.
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: list[Finding] = []
    seen: set[tuple[int, str]] = set()

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    for rule, rx, msg, hint in _compiled_secrets():
        for m in rx.finditer(text):
            ln = line_of(m.start())
            if (ln, rule) not in seen:
                seen.add((ln, rule))
                out.append(Finding(ln, rule, "high", msg, hint, "secret"))
    for rule, rx, sev, msg, hint in _compiled_dangerous(language):
        for m in rx.finditer(text):
            ln = line_of(m.start())
            line_start = starts[ln - 1]
            head = text[line_start:m.start()].lstrip()
            if head.startswith(("#", "//", "*", "/*")) or (ln, rule) in seen:
                continue  # commented out
            seen.add((ln, rule))
            out.append(Finding(ln, rule, sev, msg, hint))
    return sorted(out, key=lambda f: (f.line, f.rule))


def detect_secrets_findings(text: str, suffix: str = ".txt") -> list[Finding]:
    """detect-secrets' plugins and filters over the text (through a temp file, as it expects)."""
    from detect_secrets.core import scan
    from detect_secrets.settings import default_settings

    fd, path = tempfile.mkstemp(suffix=suffix, prefix="qldrops-scan-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        with default_settings():
            found = list(scan.scan_file(path))
    finally:
        os.unlink(path)
    return [Finding(s.line_number or 0, "detect-secrets:" + s.type.lower().replace(" ", "-"), "high",
                    f"possible secret ({s.type})", "remove it from the code and rotate it", "secret") for s in found]


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (line, kind of secret): our pattern and detect-secrets often agree."""
    seen: set[tuple[int, str]] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.line, f.kind != "secret", f.rule)):
        key = (f.line, "secret" if f.kind == "secret" else f.rule)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


_HIGH_ENTROPY = re.compile(r"(?i)\b(password|passwd|secret|token|api_?key|private_?key)\b([\"']?\s*[:=]\s*[\"'])([^\"'\s]{6,})([\"'])")


def redact(text: str, mask: str = "****") -> str:
    """``text`` with secrets masked (the first 4 characters kept, so a reader can tell keys apart).

    Used wherever a drop is shown (previews, dashboards): it is pattern-based and fast,
    so it never needs a time-out.
    """
    if not text:
        return text

    def keep4(m: re.Match[str]) -> str:
        s = m.group(0)
        return s[:4] + mask if len(s) > 8 else mask

    out = text
    for rule, rx, _msg, _hint in _compiled_secrets():
        if rule == "password-assignment":
            continue
        if rule == "private-key":
            out = re.sub(r"-----BEGIN ([A-Z ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|\Z)",
                         "-----BEGIN PRIVATE KEY-----\n" + mask + "\n-----END PRIVATE KEY-----", out)
        elif rule == "url-credentials":
            out = re.sub(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:)[^/\s@'\"]{3,}(@)", r"\1" + mask + r"\2", out)
        else:
            out = rx.sub(keep4, out)
    return _HIGH_ENTROPY.sub(lambda m: m.group(1) + m.group(2) + mask + m.group(4), out)
