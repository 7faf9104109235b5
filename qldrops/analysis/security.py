"""Security findings (secrets in any language, dangerous calls in Python/JS/TS) and redaction.

Secrets come from detect-secrets (``scan_file`` on a temp file: ``scan_line`` has no
filters and floods) plus our own patterns for keys it or other tools miss by design
(an ``AKIA...`` key id outside an obviously named variable). Dangerous calls are line
patterns: they are cheap, work on snippets that do not parse, and every finding
carries a rule, a severity and a hint.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import tempfile
from collections import Counter
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


# (rule, regex, severity, message, hint) -- secrets with a recognisable shape. The group
# ``value`` is the secret itself: the finding's line comes from it and redact() masks only it.
# Real credentials (a key with its vendor's prefix, a private key, a password in a URL) are
# "high"; the shapeless ones found by their variable name (below) are "medium".
SECRET_PATTERNS: list[tuple[str, str, str, str, str]] = [
    ("aws-access-key-id", r"\b(?P<value>(?:AKIA|ASIA)[0-9A-Z]{16})\b", "high", "AWS access key id",
     "deactivate the key in IAM and read it from the environment"),
    ("aws-secret-key", r"(?i)(?:aws[\w.-]{0,20}?(?:secret|private)|secret_?access_?key)[\w.-]{0,20}[\"']?\s*(?:=>|[=:,])\s*[\"']?"
     r"(?P<value>[0-9a-zA-Z/+]{40})(?![0-9a-zA-Z/+=])", "high", "AWS secret access key",
     "deactivate it in IAM; use an IAM role or environment variable"),
    ("aws-secret-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}[\"']\s*,\s*[\"'](?P<value>[0-9a-zA-Z/+]{40})[\"']", "high",
     "AWS secret access key", "deactivate it in IAM; use an IAM role or environment variable"),
    ("github-token", r"\b(?P<value>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|github_pat_[A-Za-z0-9_]{40,})", "high",
     "GitHub token", "revoke it on GitHub (Settings > Developer settings); read tokens from the environment"),
    ("slack-token", r"\b(?P<value>xox[abposr]-[A-Za-z0-9-]{10,})", "high", "Slack token", "revoke it; use a secret store"),
    ("stripe-key", r"\b(?P<value>(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,})", "high", "Stripe secret key",
     "roll the key in the Stripe dashboard"),
    ("openai-key", r"\b(?P<value>sk-(?:proj-)?[A-Za-z0-9_-]{20,})", "high", "API secret key (sk-...)",
     "revoke it and load it from the environment"),
    ("google-api-key", r"\b(?P<value>AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])", "high", "Google API key",
     "restrict and rotate the key in the Google Cloud console"),
    ("sendgrid-key", r"\b(?P<value>SG\.[\w-]{22}\.[\w-]{43})", "high", "SendGrid API key", "revoke it in SendGrid"),
    ("npm-token", r"\b(?P<value>npm_[A-Za-z0-9]{36})\b", "high", "npm access token",
     "revoke it (npm token revoke); use a build secret"),
    ("azure-storage-key", r"AccountKey=(?P<value>[A-Za-z0-9+/]{40,}={0,2})", "high", "Azure storage account key",
     "rotate the key; use a managed identity or a SAS from a secret store"),
    ("private-key", r"(?P<value>-----BEGIN ((RSA|EC|DSA|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY( BLOCK)?-----)", "high",
     "private key", "never commit private keys: revoke it and load it from a secret store"),
    ("jwt", r"\b(?P<value>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})", "high", "JSON Web Token",
     "do not hard-code tokens; if it is long-lived, revoke it"),
    ("url-credentials", r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]*:(?P<value>[^/\s@'\"]{3,})@[^\s'\"]+", "high",
     "password in a URL", "change the password and move it out of the URL (environment variable)"),
]
# Found by the variable's name, kept when the value looks like a credential (see _credible).
GENERIC_RULE = ("password-assignment", "medium", "possible hard-coded credential",
                "if it is a real credential, move it to the environment or a secret store and change it; "
                "if it is an example, use an obvious placeholder")
# a password handed positionally, on a command line or in a connection string
POSITIONAL_PASSWORDS = [
    r"(?i)\b(?:getConnection|PDO|mysqli_connect|mysqli|connect)\s*\([^\n]*?,\s*[\"'][^\"'\n]*[\"']\s*,\s*"
    r"[\"'](?P<value>[^\"'\s]+)[\"']",
    r"(?i)[\"'][\w.-]*(?:password|passwd|secret|token|api_?key)[\w.-]*[\"']\s*,\s*[\"'](?P<value>[^\"'\s]+)[\"']",
    r"(?i)(?<![\w.])(?:password|pwd)=(?P<value>[^;\"'\s]{4,})(?=[;\"'])",
    r"(?:^|\s)(?:-p|--password=)[\"']?(?P<value>[^\s\"'$]{6,})",
    r"\bcurl\b[^\n]*\s(?:-u|--user)\s+[\"']?[^\s:\"']+:(?P<value>[^\s\"'$@]{4,})",
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
# SQL scripts: statements (not lines), so a rule may span lines up to the next ";".
DANGEROUS["sql"] = [
    ("sql-grant-all", r"(?is)\bGRANT\s+ALL(\s+PRIVILEGES)?\b[^;]*\bTO\b", "medium", "GRANT ALL gives every privilege",
     "grant only the privileges the role needs (SELECT, INSERT ... on named tables)"),
    ("sql-delete-without-where", r"(?is)\bDELETE\s+FROM\s+[\w.\"`\[\]]+(\s+(AS\s+)?\w+)?\s*(;|$)", "medium",
     "DELETE without WHERE empties the table", "add a WHERE clause (or TRUNCATE if that is the intent)"),
    ("sql-update-without-where", r"(?is)\bUPDATE\s+[\w.\"`\[\]]+\s+SET\b(?:(?!\bWHERE\b|\bFROM\b)[^;])*;", "medium",
     "UPDATE without WHERE changes every row", "add a WHERE clause"),
    ("sql-dynamic-concat", r"(?is)\bEXEC(UTE)?\b\s*(IMMEDIATE\s+|sp_executesql\s+)?\(?\s*(N?'(?:[^']|'')*'\s*(\|\||\+)|@\w+\s*(\|\||\+)|"
     r"\w+\s*\|\|)|\bEXECUTE\s+format\s*\([^;]*%s", "high",
     "dynamic SQL built by concatenation (injection)", "use bind parameters: EXECUTE ... USING, sp_executesql with @params, format('%I/%L')"),
    ("sql-plaintext-password", r"(?is)\b(CREATE|ALTER)\s+(USER|ROLE|LOGIN)\b[^;]*\b(PASSWORD\s*=?\s*|IDENTIFIED\s+BY\s+)(?P<value>'[^']+')",
     "high", "a plaintext password in CREATE/ALTER USER (it stays in logs and history)",
     "set the password outside the script (psql \\password, a secret store) or use a pre-hashed value"),
]

_COMPILED: dict[str, list] = {}

# --- telling a credential from an example -------------------------------------------------

# A name that holds a credential: password, pwd, secret, token, api key, access/private key,
# credentials, or any name ending in "key" (jwtKey, STORAGE_KEY) -- the value decides then.
_CRED_NAME = re.compile(r"(?i)(pass(wd|word)?s?$|pwd|secret|token|api_?key|credential|key$)")
_NOT_CRED_NAME = re.compile(r"(?i)(hash|digest|checksum|sha\d*|md5|uuid|guid|_?id$|ttl|length|len$|min|max|field|"
                            r"header|name$|type$|alias|file$|path$|url$|kind|algorithm|expir|policy|pattern)")
# name (maybe quoted or dotted), an assignment operator, then a quoted value or a bare word
_ASSIGN = re.compile(
    r"(?<![\w$@.-])(?P<name>[A-Za-z_$@][\w$@.-]*)[\"'`\]]?\s*(?::=|=>|:|=)(?![=>])[ \t]*"
    r"(?:\[\]byte\(|Buffer\.from\(|[bf](?=[\"']))?"
    r"(?:(?P<q>[\"'`])(?P<qv>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)|(?P<uv>[^\s\"'`,;)}\]]+))")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)(your|example|sample|changeme|change_?me|replace|insert|placeholder|dummy|fake|redacted|todo|fixme|"
    r"xxx|\*\*\*|\.\.\.|_here\b|-here\b|\bhere$|^(none|null|nil|undefined|true|false|empty|secret|password|passwd|"
    r"pass|pwd|token|key|apikey|api_key|test|testing|admin|root|user|username|guest|default|demo|foo|bar|baz|"
    r"qwerty|letmein|s3cr3t|p@ssw0rd)$)")
# a label that names a credential (prod/db-password, X-Auth-Token) rather than being one
_NAMED_VALUE = re.compile(r"(?:^|[/_.:-])(?:password|passwd|secret|token)s?(?:$|[/_.:-])|^X-[A-Za-z-]+$")
_EXPRESSION = re.compile(r"[()\[\]{}<>$]|^(?:process\.env|os\.|ENV\b|env\.|var\.|local\.|data\.|settings\.|"
                         r"config\.|self\.|this\.|import\.meta)")
_IDENTIFIER_PATH = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+$|^[A-Z][A-Z0-9_]*$")
_HOST_OR_PATH = re.compile(r"^(?:[\w-]+\.)+[a-z]{2,}$|^[\w.+-]+@[\w-]+\.[\w.]+$|^\.{0,2}/|^\w+://|/.*/")
# Lines and files of tests: values there are fixtures and validation examples.
_TEST_FILE = re.compile(r"\bdef test_|\bclass Test\w*|\bdescribe\s*\(|\bit\s*\(\s*['\"`]|\btest\s*\(\s*['\"`]|@Test\b|"
                        r"\bfunc Test\w*\(|\bRSpec\.|\bunittest\b|\bpytest\b|\bassert\w*\s*[\(\s]|\bexpect\s*\(|"
                        r"\bfixtures?\b|\bFactory\(|\bwantErr\b")
_TEST_LINE = re.compile(r"(?i)\bassert|\bexpect\s*\(|\bvalidat|\bshould\b|\bmock|\bstub|\bfixture|\bfactory\b|"
                        r"\btest_?(user|password|data)\b")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _is_placeholder(value: str, name: str = "") -> bool:
    """An obvious stand-in: <your-key>, changeme, xxx, ${API_KEY}, ****, the variable's own name."""
    v = value.strip()
    if len(v) < 2 or _PLACEHOLDER_WORDS.search(v) or _NAMED_VALUE.search(v):
        return True
    if v[0] in "<[{(" or "${" in v or "{{" in v or "<%" in v or "$(" in v or v.startswith("$"):
        return True
    if max(Counter(v).values()) >= 0.6 * len(v):  # xxxxxxxx, 00000000
        return True
    squash = re.sub(r"[^a-z0-9]", "", v.lower())
    return bool(name) and squash != "" and squash in re.sub(r"[^a-z0-9]", "", name.lower())


_STAND_IN = re.compile(r"(?i)your|here|xxxx|\.\.\.|replace|insert|placeholder|changeme|<|>")


def _is_stand_in_key(value: str) -> bool:
    """A vendor-prefixed key that is visibly fake (sk_live_xxxx..., ghp_your_token_here).

    Not "EXAMPLE": AWS's documented key id ends in it and still gets flagged, as before.
    """
    tail = re.sub(r"^[A-Za-z]{2,4}[_-](?:live_|test_|proj-)?", "", value)
    return bool(_STAND_IN.search(value)) or (len(tail) > 4 and max(Counter(tail).values()) >= 0.6 * len(tail))


def _random_enough(value: str) -> bool:
    """Shaped like a generated or chosen secret, not a word, an id or a short test value."""
    if len(value) < 8 or any(ch.isspace() for ch in value):
        return False
    classes = sum(bool(re.search(rx, value)) for rx in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"))
    if classes >= 3 and _entropy(value) >= 2.8:
        return True
    return len(value) >= 16 and classes >= 2 and _entropy(value) >= 3.2


def _literal(value: str, quoted: bool) -> bool:
    """A literal value rather than a read from the environment, a config object or a template."""
    if (not quoted and _EXPRESSION.search(value)) or _IDENTIFIER_PATH.match(value) or _HOST_OR_PATH.search(value):
        return False
    if not quoted and re.fullmatch(r"[a-z_][a-zA-Z0-9_]*", value):  # a bare word is a variable in code...
        return len(value) >= 20 and _entropy(value) >= 3.5  # ...unless it is long and random (.env, YAML)
    return True


def _credible(value: str, name: str, quoted: bool) -> bool:
    """The detection test for a value found only by its name (medium findings)."""
    return _literal(value, quoted) and not _is_placeholder(value, name) and _random_enough(value)


def _cred_name(name: str) -> bool:
    last = re.split(r"[.\[\]]", name.strip("\"'`$@"))[-1] or name
    return bool(_CRED_NAME.search(last)) and not _NOT_CRED_NAME.search(last)


def _test_context(text: str) -> bool:
    return bool(_TEST_FILE.search(text))


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


@dataclass(frozen=True)
class _Hit:
    start: int  # the secret value's span in the text
    end: int
    rule: str
    severity: str
    message: str
    hint: str


def _compiled_secrets() -> list[tuple[str, re.Pattern[str], str, str, str]]:
    if "secrets" not in _COMPILED:
        _COMPILED["secrets"] = [(r, re.compile(p), s, m, h) for r, p, s, m, h in SECRET_PATTERNS]
        _COMPILED["positional"] = [re.compile(p, re.M) for p in POSITIONAL_PASSWORDS]
    return _COMPILED["secrets"]


def _secret_hits(text: str, for_redaction: bool = False) -> list[_Hit]:
    """Every secret value in ``text`` with its span.

    Detection (the default) keeps a value found only by its name when :func:`_credible` says
    so and the text is not a test; redaction masks more (any non-placeholder literal of four
    characters or more), because a masked example costs nothing and a shown key does.
    """
    hits: list[_Hit] = []
    for rule, rx, sev, msg, hint in _compiled_secrets():
        for m in rx.finditer(text):
            value = m.group("value")
            fake = _is_placeholder(value) if rule == "url-credentials" else _is_stand_in_key(value)
            if rule != "private-key" and fake:
                continue
            hits.append(_Hit(m.start("value"), m.end("value"), rule, sev, msg, hint))
    in_test = not for_redaction and _test_context(text)
    g_rule, g_sev, g_msg, g_hint = GENERIC_RULE
    starts = _line_starts(text)

    def line_text(pos: int) -> str:
        i = bisect.bisect_right(starts, pos) - 1
        return text[starts[i]:starts[i + 1] if i + 1 < len(starts) else len(text)]

    def keep(value: str, name: str, quoted: bool, pos: int) -> bool:
        if for_redaction:
            if not quoted:
                return _credible(value, name, quoted)
            return len(value) >= 4 and not any(c.isspace() for c in value) and _literal(value, True) \
                and not _is_placeholder(value, name)
        return not in_test and not _TEST_LINE.search(line_text(pos)) and _credible(value, name, quoted)

    for m in _ASSIGN.finditer(text):
        name = m.group("name")
        if not _cred_name(name):
            continue
        group = "qv" if m.group("q") else "uv"
        value = m.group(group)
        if value and keep(value, name, group == "qv", m.start()):
            hits.append(_Hit(m.start(group), m.end(group), g_rule, g_sev, g_msg, g_hint))
    for rx in _COMPILED["positional"]:
        for m in rx.finditer(text):
            value = m.group("value")
            if keep(value, "", True, m.start()):
                hits.append(_Hit(m.start("value"), m.end("value"), g_rule, g_sev, g_msg, g_hint))
    return hits


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
    starts = _line_starts(text)
    out: list[Finding] = []
    seen: set[tuple[int, str]] = set()

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    for h in sorted(_secret_hits(text), key=lambda h: (h.start, h.severity != "high")):
        ln = line_of(h.start)
        if (ln, "secret") not in seen:
            seen.add((ln, "secret"))
            out.append(Finding(ln, h.rule, h.severity, h.message, h.hint, "secret"))
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


# detect-secrets types that recognise a credential by its shape; the others (a keyword, an
# entropy score, a URL's user:password) are judged like our name-based rule.
_DS_GENERIC = {"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"}
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|\Z)")


def detect_secrets_findings(text: str, suffix: str = ".txt") -> list[Finding]:
    """detect-secrets' plugins and filters over the text (through a temp file, as it expects).

    Its keyword and entropy findings pass the same test as our name-based rule (placeholders,
    environment reads, test files, short or word-like values, hashes and ids dropped) and are
    "medium"; the ones it recognises by shape stay "high".
    """
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
    lines = text.splitlines()
    starts = _line_starts(text)
    pem_lines: set[int] = set()
    for m in _PEM_BLOCK.finditer(text):  # one finding per private key, on its BEGIN line
        first, last = bisect.bisect_right(starts, m.start()), bisect.bisect_right(starts, m.end() - 1)
        pem_lines.update(range(first + 1, last + 1))
    in_test = _test_context(text)
    out: list[Finding] = []
    for s in found:
        ln = s.line_number or 0
        line = lines[ln - 1] if 0 < ln <= len(lines) else ""
        value = s.secret_value or ""
        rule = "detect-secrets:" + s.type.lower().replace(" ", "-")
        if ln in pem_lines:
            continue
        if s.type in _DS_GENERIC:
            names = [m.group("name") for m in _ASSIGN.finditer(line) if value and value in m.group(0)]
            named = [n for n in names if _cred_name(n)]
            if not named or in_test or _TEST_LINE.search(line) \
                    or not any(_credible(value, n, f"'{value}'" in line or f'"{value}"' in line) for n in named):
                continue
            out.append(Finding(ln, rule, "medium", f"possible secret ({s.type})",
                               "if it is a real credential, move it out of the code and rotate it", "secret"))
        elif not _is_placeholder(value):
            out.append(Finding(ln, rule, "high", f"secret ({s.type})", "remove it from the code and rotate it",
                               "secret"))
    return out


_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (line, kind of secret): our pattern and detect-secrets often agree.

    The most severe one is kept, ours before detect-secrets' on a tie.
    """
    seen: set[tuple[int, str]] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.line, f.kind != "secret", _SEVERITY_RANK.get(f.severity, 3),
                                             f.rule.startswith("detect-secrets:"), f.rule)):
        key = (f.line, "secret" if f.kind == "secret" else f.rule)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


_KEEP_PREFIX = {"aws-access-key-id", "github-token", "slack-token", "stripe-key", "openai-key", "google-api-key",
                "sendgrid-key", "npm-token", "jwt"}
_PEM_BODY = re.compile(r"(?P<head>-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----)(?P<body>[\s\S]*?)"
                       r"(?P<tail>-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----)")
_PEM_OPEN = re.compile(r"(?P<head>-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----)(?P<body>(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{16,})+)")


_PEM_TOKEN = re.compile(r"(\\[nr]|\s+)|[^\s\\]+|\\")


def _mask_pem(text: str, mask: str) -> str:
    """Each line of a private key's body replaced by ``mask``; the BEGIN/END lines and the line
    breaks (real ones, or ``\\n`` inside a JSON string) kept, so line numbers still match."""
    def body(m: re.Match[str]) -> str:
        masked = _PEM_TOKEN.sub(lambda t: t.group(1) or mask, m.group("body"))
        return m.group("head") + re.sub(re.escape(mask) + "(?:" + re.escape(mask) + ")+", mask, masked) \
            + (m.group("tail") if "tail" in m.groupdict() else "")
    text = _PEM_BODY.sub(body, text)
    return _PEM_OPEN.sub(body, text)


def redact(text: str, mask: str = "****") -> str:
    """``text`` with every secret value masked and everything around it kept.

    Only the value changes: ``AWS_SECRET_ACCESS_KEY = "..."`` becomes
    ``AWS_SECRET_ACCESS_KEY = "****"``, so a masked file still parses. A key with a vendor
    prefix keeps its first four characters (``AKIA****``) so a reader can tell keys apart; a
    bare value masked outside quotes becomes ``"****"`` (a YAML scalar may not start with
    ``*``). Used wherever a drop is shown (previews, dashboards, downloads): pattern-based and
    fast, so it never needs a time-out.
    """
    if not text:
        return text
    text = _mask_pem(text, mask)
    hits = sorted((h for h in _secret_hits(text, for_redaction=True) if h.rule != "private-key"),
                  key=lambda h: (h.start, -h.end))
    out: list[str] = []
    pos = 0
    for h in hits:
        if h.start < pos:  # inside a value already masked
            continue
        value = text[h.start:h.end]
        before = text[h.start - 1] if h.start else ""
        after = text[h.end] if h.end < len(text) else ""
        if h.rule in _KEEP_PREFIX and len(value) > 8:
            repl = value[:4] + mask
        elif before in "\"'`" and after == before:
            repl = mask
        elif before in " \t=:" and (after in "\n\r" or after == "" or after.isspace()) and h.rule not in {"url-credentials"}:
            repl = f'"{mask}"'
        else:
            repl = mask
        out.append(text[pos:h.start] + repl)
        pos = h.end
    out.append(text[pos:])
    return "".join(out)
