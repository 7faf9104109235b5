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

# Line rules for the other languages the dashboards show (issue 10, item 2): command execution,
# SQL by concatenation, unsafe deserialisation, disabled TLS checks, weak crypto. Their linters
# (shellcheck, cppcheck, go vet...) feed the lint part; these feed the security part.
_SQL_CONCAT = r"[\"'][^\"'\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"'\n]*[\"']\s*\+\s*\w"
_CURL_SH = ("curl-pipe-shell", r"\b(curl|wget)\b[^|\n]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b", "high",
            "a downloaded script is run without being checked", "download, verify a checksum or signature, then run")
_CHMOD_777 = ("chmod-777", r"\bchmod\s+(-\w+\s+)*0?777\b", "medium", "world-writable permissions",
              "grant only what is needed (755 for directories, 644 for files)")
DANGEROUS["shell"] = [
    _CURL_SH,
    ("sh-eval", r"(?<![\w-])eval\s+[\"']?[^\n]*\$", "high", "eval of a variable runs arbitrary code",
     "use arrays and case statements instead of eval"),
    _CHMOD_777,
    ("sh-rm-unquoted-var", r"\brm\s+-\w*[rR]\w*\s+(-\w+\s+)*\$\{?\w+\}?/", "high",
     "rm -rf $VAR/: an empty VAR deletes from /", "quote it and guard it: rm -rf \"${VAR:?}\"/"),
    ("sh-tls-off", r"\bcurl\b[^\n]*\s(-k|--insecure)\b|\bwget\b[^\n]*--no-check-certificate", "medium",
     "TLS certificate checks disabled", "keep certificate checks on; pass --cacert"),
]
DANGEROUS["dockerfile"] = [
    _CURL_SH,
    _CHMOD_777,
    ("docker-add-url", r"(?im)^\s*ADD\s+(--\S+\s+)*https?://", "medium", "ADD of a URL: no checksum, cache surprises",
     "RUN curl with a checksum check, or ADD --checksum=sha256:..."),
    ("docker-env-secret", r"(?im)^\s*(ENV|ARG)\s+(\w+[= ]\S*\s+)*\w*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)\w*(=|\s+)[^\s$]\S*",
     "high", "a secret in ENV/ARG stays in the image's history", "pass it at run time or use a BuildKit secret mount"),
]
_C_RULES = [
    ("c-gets", r"(?<![\w.>])gets\s*\(", "high", "gets() cannot limit the input: buffer overflow", "use fgets(buf, sizeof buf, stdin)"),
    ("c-strcpy", r"(?<![\w.>])(strcpy|strcat|wcscpy|wcscat)\s*\(", "medium", "unbounded string copy",
     "use snprintf or strlcpy/strncat with the buffer size"),
    ("c-sprintf", r"(?<![\w.>])(v?sprintf)\s*\(", "medium", "sprintf does not check the buffer size", "use snprintf"),
    ("c-system", r"(?<![\w.>])(system|popen)\s*\(", "high", "command run through a shell",
     "use execve/posix_spawn with an argument array"),
    ("c-scanf-string", r"\bscanf\s*\(\s*\"[^\"]*%s", "medium", "scanf %s without a width: buffer overflow",
     "give a width (%63s) or read with fgets"),
    ("c-format-string", r"(?<![\w.>])printf\s*\(\s*[a-z_]\w*\s*\)", "medium", "a variable used as the format string",
     "printf(\"%s\", s)"),
    ("c-weak-random", r"(?<![\w.>])s?rand\s*\(", "low", "rand() is predictable", "use getrandom() or a CSPRNG for secrets"),
    ("c-weak-hash", r"\b(MD5|SHA1)(_Init|_Update|_Final)?\s*\(|EVP_(md5|sha1)\s*\(", "low", "weak hash",
     "use SHA-256 or better"),
    ("c-tls-off", r"SSL_VERIFY_NONE", "medium", "TLS certificate checks disabled", "use SSL_VERIFY_PEER"),
]
DANGEROUS["c"] = _C_RULES
DANGEROUS["cpp"] = _C_RULES
DANGEROUS["go"] = [
    ("go-exec-shell", r"exec\.Command(Context)?\s*\(\s*(ctx\s*,\s*)?\"(ba|z)?sh\"\s*,\s*\"-c\"", "high",
     "command run through a shell", "call exec.Command with the program and its arguments, no shell"),
    ("go-sql-sprintf", r"fmt\.Sprintf\s*\(\s*\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b", "high",
     "SQL built by fmt.Sprintf", "use placeholders ($1, ?) and pass values to Query/Exec"),
    ("go-sql-concat", r"\.(Query|QueryRow|Exec|QueryContext|ExecContext)\s*\([^)\n]*" + _SQL_CONCAT, "high",
     "SQL built by string concatenation", "use placeholders ($1, ?) and pass values to Query/Exec"),
    ("go-tls-off", r"InsecureSkipVerify\s*:\s*true", "high", "TLS certificate checks disabled",
     "keep verification on; add the CA to RootCAs"),
    ("go-math-rand", r"\"math/rand\"", "low", "math/rand is predictable (not for tokens, keys or passwords)",
     "use crypto/rand for anything secret"),
    ("go-weak-hash", r"\"crypto/(md5|sha1|des|rc4)\"", "low", "weak cryptography", "use crypto/sha256, AES-GCM"),
]
_JVM_TLS = (r"ALLOW_ALL_HOSTNAME_VERIFIER|NoopHostnameVerifier|setHostnameVerifier\s*\([^)]*->\s*true|"
            r"checkServerTrusted\s*\([^)]*\)\s*(throws\s+\w+(\s*,\s*\w+)*\s*)?\{\s*\}|trustManager\s*\(\s*InsecureTrustManagerFactory")
DANGEROUS["java"] = [
    ("java-exec", r"Runtime\.getRuntime\(\)\.exec\s*\(|new\s+ProcessBuilder\s*\(\s*\"(ba)?sh\"\s*,\s*\"-c\"", "high",
     "command execution", "use ProcessBuilder with a fixed program and an argument list; never a shell"),
    ("java-sql-string", _SQL_CONCAT, "high", "SQL text built from variables", "use PreparedStatement with ? placeholders"),
    ("java-deserialise", r"new\s+ObjectInputStream\s*\(|\.readObject\s*\(\s*\)|XMLDecoder\s*\(", "high",
     "unsafe deserialisation", "use JSON; or an ObjectInputFilter with an allow-list"),
    ("java-tls-off", _JVM_TLS, "high", "TLS certificate or host-name checks disabled", "keep the default verifiers"),
    ("java-weak-crypto", r"MessageDigest\.getInstance\s*\(\s*\"(MD5|SHA-?1)\"|Cipher\.getInstance\s*\(\s*\"(DES|RC4|[^\"]*ECB)",
     "medium", "weak cryptography", "SHA-256; AES/GCM/NoPadding"),
    ("java-weak-random", r"new\s+Random\s*\(", "low", "java.util.Random is predictable", "use SecureRandom for secrets"),
]
DANGEROUS["kotlin"] = [
    ("kt-exec", r"Runtime\.getRuntime\(\)\.exec\s*\(|ProcessBuilder\s*\(\s*(listOf\s*\()?\"(ba)?sh\"\s*,\s*\"-c\"", "high",
     "command execution", "use ProcessBuilder with a fixed program and an argument list; never a shell"),
    ("kt-sql-template", r"\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*\$\{?\w", "high",
     "SQL text built from variables (string template)", "use a PreparedStatement / query parameters"),
    ("kt-sql-concat", _SQL_CONCAT, "high", "SQL built by string concatenation", "use query parameters"),
    ("kt-deserialise", r"ObjectInputStream\s*\(|\.readObject\s*\(\s*\)", "high", "unsafe deserialisation",
     "use kotlinx.serialization / JSON"),
    ("kt-tls-off", _JVM_TLS + r"|hostnameVerifier\s*\{[^}]*true\s*\}", "high", "TLS certificate or host-name checks disabled",
     "keep the default verifiers"),
    ("kt-weak-crypto", r"MessageDigest\.getInstance\s*\(\s*\"(MD5|SHA-?1)\"|Cipher\.getInstance\s*\(\s*\"(DES|RC4|[^\"]*ECB)",
     "medium", "weak cryptography", "SHA-256; AES/GCM/NoPadding"),
]
DANGEROUS["csharp"] = [
    ("cs-process", r"Process\.Start\s*\(\s*\"(cmd(\.exe)?|powershell|/bin/(ba)?sh)\"|FileName\s*=\s*\"(cmd(\.exe)?|powershell|/bin/(ba)?sh)\"",
     "high", "command run through a shell", "start the program directly with ArgumentList"),
    ("cs-sql-string", r"\$\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*\{|" + _SQL_CONCAT, "high",
     "SQL text built from variables", "use SqlParameter"),
    ("cs-deserialise", r"\bBinaryFormatter\b|\bNetDataContractSerializer\b|\bLosFormatter\b|TypeNameHandling\s*=\s*TypeNameHandling\.(All|Auto|Objects)",
     "high", "unsafe deserialisation", "use System.Text.Json without type names"),
    ("cs-tls-off", r"ServerCertificateValidationCallback\s*=[^;\n]*=>\s*true|ServerCertificateCustomValidationCallback\s*=[^;\n]*(=>\s*true|DangerousAcceptAnyServerCertificateValidator)",
     "high", "TLS certificate checks disabled", "keep the default validation"),
    ("cs-weak-crypto", r"\b(MD5|SHA1|DES|TripleDES|RC2)\.Create\s*\(|new\s+(MD5|SHA1|DES|TripleDES)CryptoServiceProvider|CipherMode\.ECB",
     "medium", "weak cryptography", "SHA256; Aes with GCM"),
    ("cs-weak-random", r"new\s+Random\s*\(", "low", "System.Random is predictable", "use RandomNumberGenerator for secrets"),
]
DANGEROUS["ruby"] = [
    ("rb-eval", r"(?<![\w.:])(eval|instance_eval|class_eval|module_eval)(\s*\(|\s+)(?!do\b|\{)", "high", "eval runs arbitrary code",
     "parse the data; never eval it"),
    ("rb-command", r"(?<![\w.])(system|exec|spawn)\s*\(?\s*\"[^\"\n]*#\{|`[^`\n]*#\{|%x\{[^}\n]*#\{|\bIO\.popen\s*\(\s*\"[^\"\n]*#\{|\bOpen3\.\w+\s*\(\s*\"[^\"\n]*#\{",
     "high", "shell command built from data", "pass the program and its arguments separately: system(\"ls\", dir)"),
    ("rb-sql-interpolation", r"\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE)\b[^\"\n]*#\{|\.(where|find_by_sql|execute|order)\s*\(\s*\"[^\"\n]*#\{",
     "high", "SQL built by string interpolation", "use placeholders: where(\"name = ?\", name)"),
    ("rb-deserialise", r"\bMarshal\.load\b|\bYAML\.load\s*\((?![^)]*permitted_classes)|\bYAML\.unsafe_load\b", "high",
     "unsafe deserialisation", "use JSON.parse or YAML.safe_load"),
    ("rb-tls-off", r"OpenSSL::SSL::VERIFY_NONE|verify_mode\s*[:=]>?\s*OpenSSL::SSL::VERIFY_NONE|ssl_verify\w*\s*[:=]>?\s*false",
     "high", "TLS certificate checks disabled", "keep VERIFY_PEER"),
    ("rb-weak-hash", r"Digest::(MD5|SHA1)\b|OpenSSL::Digest::(MD5|SHA1)\b", "low", "weak hash", "use Digest::SHA256"),
    ("rb-open-pipe", r"(?<![\w.:])open\s*\(\s*(params|\"\|)", "high", "Kernel#open can run a command (\"|cmd\")",
     "use File.open"),
]
DANGEROUS["swift"] = [
    ("swift-process", r"(launchPath|executableURL)\s*=[^\n]*(/bin/(ba|z)?sh)|Process\.launchedProcess\s*\(\s*launchPath:\s*\"/bin/(ba|z)?sh\"",
     "high", "command run through a shell", "run the program directly with an argument array"),
    ("swift-sql-interpolation", r"\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^\"\n]*\\\(", "high",
     "SQL built by string interpolation", "bind parameters (sqlite3_bind_*, ? placeholders)"),
    ("swift-tls-off", r"\.useCredential\s*,\s*URLCredential\s*\(\s*trust:|completionHandler\s*\(\s*\.useCredential|allowsArbitraryLoads|kSecTrustResultProceed",
     "medium", "TLS certificate checks may be bypassed", "evaluate the server trust (SecTrustEvaluateWithError); pin if needed"),
    ("swift-deserialise", r"NSKeyedUnarchiver\.unarchiveObject\s*\(|unarchiveTopLevelObjectWithData", "high",
     "unsafe deserialisation (NSKeyedUnarchiver without secure coding)", "use unarchivedObject(ofClass:from:) / Codable"),
    ("swift-weak-hash", r"\bCC_(MD5|SHA1)\s*\(|Insecure\.(MD5|SHA1)", "low", "weak hash", "use SHA256 (CryptoKit)"),
]
DANGEROUS["rust"] = [
    ("rs-command-shell", r"Command::new\s*\(\s*\"(ba|z)?sh\"\s*\)\s*\.arg\s*\(\s*\"-c\"", "high", "command run through a shell",
     "Command::new(program).args([...]), no shell"),
    ("rs-sql-format", r"format!\s*\(\s*\"[^\"\n]*\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b", "high", "SQL built by format!",
     "use bind parameters (sqlx::query(...).bind(x))"),
    ("rs-tls-off", r"danger_accept_invalid_(certs|hostnames)\s*\(\s*true\s*\)|dangerous\(\)\.set_certificate_verifier",
     "high", "TLS certificate checks disabled", "keep verification on; add the root certificate"),
    ("rs-unsafe", r"\bunsafe\s*\{", "low", "unsafe block", "explain why it is sound, or use a safe API"),
    ("rs-weak-hash", r"\b(md5::compute|Md5::new|Sha1::new)\b", "low", "weak hash", "use sha2::Sha256"),
]
DANGEROUS["javascript"] = DANGEROUS["javascript"] + [
    ("js-deserialise", r"\b(node-serialize|serialize-javascript)\b[^\n]*|\bunserialize\s*\(", "high", "unsafe deserialisation",
     "use JSON.parse"),
    ("js-weak-crypto", r"createHash\s*\(\s*[\"'](md5|sha1)[\"']|createCipher(iv)?\s*\(\s*[\"'](des|rc4|aes-\d+-ecb)", "medium",
     "weak cryptography", "sha256; aes-256-gcm"),
    ("js-weak-random-token", r"Math\.random\s*\(\s*\)[^\n]*(token|secret|password|key|session)|(token|secret|password|session)\w*\s*=[^\n]*Math\.random",
     "medium", "Math.random() is predictable", "use crypto.randomBytes / crypto.getRandomValues"),
]
DANGEROUS["typescript"] = DANGEROUS["javascript"]
DANGEROUS["php"] = DANGEROUS["php"] + [
    ("php-tls-off", r"CURLOPT_SSL_VERIFYPEER\s*,\s*(false|0)|CURLOPT_SSL_VERIFYHOST\s*,\s*(false|0)|[\"']verify_peer[\"']\s*=>\s*false",
     "high", "TLS certificate checks disabled", "keep peer verification on"),
    ("php-weak-hash-password", r"\b(md5|sha1)\s*\(\s*\$\w*(pass|pwd)", "high", "password hashed with md5/sha1",
     "use password_hash() and password_verify()"),
]

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
