"""Demo workflows 23-43: CLIs, scripts, data, infrastructure and systems code."""

from __future__ import annotations

from .catalog import Code, Edit, Fork, Spec
from .snippets import go, infra, js_ts, native
from .snippets import python_scripts as pys
from .snippets import rust_jvm as rj

# A near-duplicate of WORD_FREQ: another analyst asked for "the same, top 10 by default".
_WORD_COUNT = (pys.WORD_FREQ.replace('default=5, help="how many words to show"', 'default=10, help="how many words to show"')
               .replace('STOPWORDS = {"a", "an", "and", "is", "the", "over", "of", "to"}',
                        'STOPWORDS = {"a", "an", "and", "in", "is", "it", "the", "over", "of", "to"}')
               .replace("# File: wordfreq.py", "# File: wordcount.py"))

_SQL_EXTRA_QUERY = '''
-- Repeat purchase rate: share of customers with more than one paid order.
SELECT round(100.0 * count(*) FILTER (WHERE n > 1) / count(*), 1) AS repeat_rate_pct
FROM (
    SELECT customer_id, count(*) AS n
    FROM orders
    WHERE status IN ('paid', 'shipped')
    GROUP BY customer_id
) per_customer;
'''

SPECS: list[Spec] = [
    Spec(
        23, "rust-log-parser-cli", "Rust CLI for access-log parsing", "rust", "clap", "cli",
        prompt="rust cli that parses nginx access logs and prints counts per status code and the top paths",
        summary="A fast Rust command-line tool that summarises access logs: requests per status and top paths by hits.",
        features=("read a file or stdin", "count requests per HTTP status", "top N paths with hits and bytes",
                  "malformed lines are counted and reported on stderr, never fatal"),
        tests=("parses a common log format line", "rejects garbage lines", "stdin input works with '-'",
               "--top limits the path list"),
        code=(Code(rj.RUST_LOG_PARSER),), extra_files=("Cargo.toml", "README.md", "tests/fixtures/access.log"),
        run=("cargo build --release", "./target/release/logsum /var/log/nginx/access.log --top 5"),
        test_framework="cargo test", owner="lars.eriksen", tags=("cli", "logs"),
        edits=(Edit("code_generation:0", "refactor: rename by_path to hits_by_path", replace=(("by_path", "hits_by_path"),)),
               Edit("code_generation:0", "fix: stable order for paths with equal hits",
                    replace=(("paths.sort_by(|a, b| b.1 .0.cmp(&a.1 .0));", "paths.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));"),)),
               Edit("prompt_enhancement", "re-enhanced: mention stdin and exit codes",
                    replace=(("## Deliverables", "## Exit codes\n\n- 0 on success, 1 when the input cannot be read; malformed lines never change the exit code.\n\n## Deliverables"),))),
    ),
    Spec(
        24, "sql-analytics-schema", "Sales analytics schema and queries", "sql", "PostgreSQL", "data",
        prompt="postgres schema for an online shop (customers, products, orders, items) plus revenue analytics queries",
        summary="A normalised PostgreSQL schema for shop sales and the analytics queries the finance team asked for.",
        features=("tables for customers, products, orders and order items with constraints",
                  "indexes for the time-range and per-customer queries", "monthly revenue", "top products in 90 days with share of total",
                  "average order value per country"),
        tests=("schema applies to an empty database", "refunded orders are excluded from revenue",
               "share of total adds up to 100%", "countries under 20 orders are hidden"),
        code=(Code(infra.SQL_SALES_SCHEMA), Code(infra.SQL_SALES_QUERIES)), extra_files=("db/seed.sql", "db/tests.sql"),
        run=("psql -f db/schema.sql", "psql -f db/seed.sql", "psql -f db/queries.sql"), test_framework="pgTAP",
        owner="priya.nair", tags=("analytics", "sql"),
        edits=(Edit("code_generation:1", "feat: repeat purchase rate query",
                    replace=(("ORDER BY avg_order_value DESC;\n", "ORDER BY avg_order_value DESC;\n" + _SQL_EXTRA_QUERY),)),),
    ),
    Spec(
        25, "bash-deploy-script", "Bash deploy script", "shell", "docker + kubectl", "infrastructure",
        prompt="bash script to build and push a docker image and roll it out with kubectl, roll back on failure",
        summary="A strict-mode Bash script that builds, pushes and rolls out one service, rolling back if the rollout fails.",
        features=("refuses to deploy a dirty working tree", "image tagged with the git SHA",
                  "waits for rollout status with a timeout", "automatic rollout undo on failure"),
        tests=("unknown environment exits 2", "dirty tree exits 1", "failed rollout triggers undo (kubectl stub)",
               "shellcheck passes"),
        code=(Code(infra.DEPLOY_SH),), extra_files=("services/api/Dockerfile", "tests/deploy.bats"),
        run=("./scripts/deploy.sh api staging",), test_framework="bats", owner="maya.chen", tags=("ops", "deploy"),
        edits=(Edit("code_generation:0", "feat: confirm before deploying to production",
                    replace=(('log "rolling out to $ENVIRONMENT"',
                              ('if [[ "$ENVIRONMENT" == production && "${CONFIRM:-}" != yes ]]; then\n'
                              '  read -r -p "Deploy $IMAGE to production? [y/N] " answer\n'
                              '  [[ "$answer" == y ]] || { echo "aborted"; exit 1; }\nfi\n'
                              'log "rolling out to $ENVIRONMENT"')),)),),
        fork=Fork("tomasz.kowalski", (Edit("code_generation:0", "fork: internal registry and smoke test",
                                           replace=(("registry.example.com/platform", "harbor.internal:5000/apps"),
                                                    ('log "deployed $SERVICE@$GIT_SHA to $ENVIRONMENT"',
                                                     ('curl -fsS "https://$SERVICE.$ENVIRONMENT.internal/health" >/dev/null\n'
                                                     'log "deployed $SERVICE@$GIT_SHA to $ENVIRONMENT (smoke test passed)"')))),)),
    ),
    Spec(
        26, "python-word-frequency-cli", "Word frequency CLI", "python", "argparse", "cli",
        prompt="python cli that prints the most common words of a text with a little bar chart",
        summary="A dependency-free Python CLI printing the most frequent words of a text, with stopword filtering.",
        features=("read a file, stdin or a built-in sample", "-n sets how many words", "stopwords dropped unless --keep-stopwords",
                  "ASCII bar per word"),
        tests=("sample text puts fox and dog first", "-n 2 prints two lines", "stdin input with '-'", "--keep-stopwords keeps 'the'"),
        code=(Code(pys.WORD_FREQ, runnable=True),), extra_files=("tests/test_wordfreq.py",), run=("python wordfreq.py", "python wordfreq.py -n 3 README.md"),
        test_framework="pytest", owner="priya.nair", tags=("cli", "text"),
        edits=(Edit("code_generation:0", "feat: --min-length option",
                    replace=(('parser.add_argument("--keep-stopwords", action="store_true")',
                              ('parser.add_argument("--keep-stopwords", action="store_true")\n'
                              '    parser.add_argument("--min-length", type=int, default=1, help="ignore shorter words")')),
                             ("for word, count in top_words(text, args.n, args.keep_stopwords):",
                              ("text = \" \".join(w for w in text.split() if len(w.strip(\".,;:!?\")) >= args.min_length)\n"
                              "    for word, count in top_words(text, args.n, args.keep_stopwords):")))),),
    ),
    Spec(
        27, "node-csv-summary-script", "Node CSV summary script", "javascript", "Node.js", "script",
        prompt="node script that summarises numeric columns of a csv: count mean min max, no dependencies",
        summary="A zero-dependency Node.js script that prints count, mean, min and max for every numeric CSV column.",
        features=("built-in sample when no file is given", "non-numeric columns are skipped", "aligned output"),
        tests=("sample prints 5 rows", "city column is skipped", "empty cells are ignored"),
        code=(Code(js_ts.CSV_SUMMARY, runnable=True),), run=("node csv-summary.js", "node csv-summary.js data.csv"),
        test_framework="node:test", owner="amara.okafor", tags=("script", "csv"),
    ),
    Spec(
        28, "dockerfile-python-service", "Production Dockerfile for a Python service", "dockerfile", "Docker", "infrastructure",
        prompt="production dockerfile for a flask/gunicorn python app, small image, non-root, healthcheck",
        summary="A multi-stage Dockerfile that builds wheels once and runs gunicorn as an unprivileged user.",
        features=("wheels built in a separate stage", "runs as uid 10001", "HEALTHCHECK on /health", ".dockerignore keeps secrets out"),
        tests=("image builds", "container runs as non-root", "health check turns healthy", "no .env in the image"),
        code=(Code(infra.DOCKERFILE_PYTHON),), extra_files=("requirements.txt", "app.py"),
        run=("docker build -t svc .", "docker run --rm -p 8000:8000 svc"), test_framework="container-structure-test",
        owner="maya.chen", tags=("docker", "ops"),
    ),
    Spec(
        29, "github-actions-ci", "GitHub Actions CI pipeline", "yaml", "GitHub Actions", "infrastructure",
        prompt="github actions ci for a python project: matrix 3.11/3.12, postgres service, ruff, pytest, docker build on main",
        summary="A CI workflow: lint and test on two Python versions against PostgreSQL, then build the image on main.",
        features=("matrix over Python 3.11 and 3.12", "PostgreSQL 15 service with health check", "ruff then pytest",
                  "docker build only on main", "superseded runs cancelled"),
        tests=("actionlint passes", "a PR runs tests but not the docker job", "a push to main runs both jobs"),
        code=(Code(infra.GITHUB_ACTIONS_CI),), test_framework="actionlint", owner="tomasz.kowalski", tags=("ci",),
    ),
    Spec(
        30, "python-git-stats", "Git contribution stats", "python", "subprocess", "script",
        prompt="python script: top git authors and lines added/removed in the last N days for a repo path",
        summary="A script that reports commit counts per author and line churn for a repository.",
        features=("authors ranked by commits since a date", "lines added and removed", "repo path and period as arguments"),
        tests=("counts authors of a fixture repo", "binary files are skipped in churn", "default period is 30 days"),
        code=(Code(pys.GIT_STATS),), run=("python gitstats.py ~/src/project '2 weeks ago'",), test_framework="pytest",
        owner="lars.eriksen", tags=("git", "script"),
    ),
    Spec(
        31, "python-order-processor", "Order totals processor", "python", "none", "script",
        prompt="process a list of orders: apply coupons and VAT per country, skip bad lines, print totals",
        summary="Computes order totals with coupons and per-country VAT and prints a report.",
        features=("SAVE10 gives 10% off; BULK gives 20% off lines of 10 or more", "VAT for DE, FR, US and a default",
                  "orders without items are skipped"),
        tests=("order 1 totals 33.91", "zero-quantity lines are ignored", "unknown country uses 20% VAT"),
        code=(Code(pys.ORDER_PROCESSOR, runnable=True),), run=("python orders.py",), test_framework="pytest", owner="diego.ramirez",
        tags=("script", "legacy"),
        fork=Fork("priya.nair", (Edit("code_generation:0", "refactor: guard clauses and small functions, same output",
                                      text=pys.ORDER_PROCESSOR_REFACTORED),)),
    ),
    Spec(
        32, "js-form-validator", "Sign-up form validator", "javascript", "vanilla JS", "frontend",
        prompt="javascript function validating a signup form: email, password strength, age 18+",
        summary="A browser-side validator for the sign-up form returning a list of error messages.",
        features=("email format checks", "password length, uppercase and digit rules", "optional age must be 18-129"),
        tests=("valid form returns no errors", "password without digit is rejected", "age 12 is rejected"),
        code=(Code(js_ts.FORM_VALIDATOR_LEGACY, runnable=True),), run=("node public/js/validate.js",), test_framework="jest",
        owner="amara.okafor", tags=("validation", "legacy"),
    ),
    Spec(
        33, "bash-backup-rotation", "Backup rotation script", "shell", "bash", "script",
        prompt="bash script that keeps the newest N backup archives in a folder and deletes older ones, with a demo mode",
        summary="Keeps the newest N archives in a folder; without arguments it demonstrates itself in a temp folder.",
        features=("KEEP environment variable (default 3)", "newest first by modification time", "demo mode cleans up after itself"),
        tests=("demo leaves 3 archives", "KEEP=1 leaves one", "an empty folder is fine"),
        code=(Code(infra.BACKUP_ROTATION_SH, runnable=True),), run=("bash rotate_backups.sh", "KEEP=7 bash rotate_backups.sh /backups"),
        test_framework="bats", owner="maya.chen", tags=("ops", "backup"),
    ),
    Spec(
        34, "go-worker-pool", "Go worker pool", "go", "stdlib", "library",
        prompt="go example of a worker pool with channels and waitgroup that reports jobs per worker",
        summary="A worker pool with buffered channels, a WaitGroup and a results collector.",
        features=("fixed number of workers reading a jobs channel", "results channel closed after all workers finish",
                  "per-worker job counts"),
        tests=("all 12 jobs are processed", "no goroutine leaks (goleak)", "works with one worker"),
        code=(Code(go.WORKER_POOL),), extra_files=("go.mod",), run=("go run .",), test_framework="go test",
        owner="lars.eriksen", tags=("concurrency",),
    ),
    Spec(
        35, "rust-markdown-toc", "Markdown table of contents generator", "rust", "none", "library",
        prompt="rust library function that builds a markdown TOC with github anchors, ignoring code fences",
        summary="A Rust library that extracts headings from Markdown and renders a nested table of contents.",
        features=("headings level 1-6", "GitHub-style anchors", "fenced code blocks ignored"),
        tests=("skips headings inside fences", "nested indentation by level", "punctuation removed from anchors"),
        code=(Code(rj.RUST_MARKDOWN_TOC),), extra_files=("Cargo.toml",), run=("cargo test",), test_framework="cargo test",
        owner="priya.nair", status="failed", tags=("markdown", "library"),
    ),
    Spec(
        36, "python-rate-limiter", "Token bucket rate limiter and retry helper", "python", "none", "library",
        prompt="python token bucket rate limiter plus a retry decorator with backoff for outbound api calls",
        summary="A token bucket for client-side throttling and a jittered exponential-backoff retry decorator.",
        features=("rate and burst capacity", "injectable clock for tests", "retry with full jitter, bounded delay"),
        tests=("burst of 5 then throttled", "refills at the configured rate", "retry re-raises after the last attempt"),
        code=(Code(pys.TOKEN_BUCKET, runnable=True), Code(pys.RETRY)), run=("python -m ratelimit.bucket",), test_framework="pytest",
        owner="maya.chen", tags=("library",),
    ),
    Spec(
        37, "sql-retention-cohorts", "Weekly retention cohorts query", "sql", "PostgreSQL", "data",
        prompt="sql for weekly signup cohorts and retention by week number, postgres",
        summary="A cohort analysis: weekly signup cohorts and the share of each active in weeks 0-8.",
        features=("cohorts by signup week", "activity from login, purchase and share events", "retention percentage per week number"),
        tests=("week 0 retention is at most 100%", "users without events count in cohort size", "weeks beyond 8 are excluded"),
        code=(Code(infra.SQL_RETENTION),), run=("psql -f analytics/retention.sql",), test_framework="pgTAP",
        owner="priya.nair", tags=("analytics", "sql"),
    ),
    Spec(
        38, "java-csv-report", "Java CSV sales report", "java", "none", "cli",
        prompt="java 21 program reading sales.csv and printing totals per region sorted descending",
        summary="A small Java program that totals sales per region from a CSV and prints them largest first.",
        features=("records for rows", "streams grouping by region", "path argument with a default"),
        tests=("totals per region are correct", "blank lines are skipped", "largest region first"),
        code=(Code(rj.JAVA_CSV_REPORT),), extra_files=("sales.csv",), run=("java src/main/java/report/CsvReport.java sales.csv",),
        test_framework="JUnit 5", owner="tomasz.kowalski", tags=("cli", "csv"),
    ),
    Spec(
        39, "k8s-deployment-manifests", "Kubernetes manifests for orders-api", "yaml", "Kubernetes", "infrastructure",
        prompt="kubernetes deployment and service yaml for orders-api: 3 replicas, probes, non-root, resource limits",
        summary="Deployment and Service manifests with zero-downtime rolling updates, probes and resource limits.",
        features=("3 replicas, maxUnavailable 0", "readiness and liveness probes on /health", "runs as non-root",
                  "environment from a Secret"),
        tests=("kubeconform validates", "kube-score has no critical findings", "rollout completes on kind"),
        code=(Code(infra.K8S_MANIFESTS),), run=("kubectl apply -f k8s/",), test_framework="kubeconform",
        owner="maya.chen", tags=("k8s", "ops"),
    ),
    Spec(
        40, "c-ring-buffer", "Ring buffer in C", "c", "none", "library",
        prompt="c ring buffer of ints with init/free/push/pop and a tiny demo main",
        summary="A fixed-capacity ring buffer in C11 with a demo program.",
        features=("capacity chosen at init", "push fails when full, pop fails when empty", "no memory leaks under valgrind"),
        tests=("push beyond capacity returns false", "pop order is FIFO", "wraps around correctly", "valgrind clean"),
        code=(Code(native.C_RING_BUFFER),), extra_files=("Makefile",), run=("cc -Iinclude src/*.c -o ringbuf && ./ringbuf",),
        test_framework="Unity", owner="lars.eriksen", tags=("systems",),
    ),
    Spec(
        41, "cpp-lru-cache", "LRU cache in C++", "cpp", "none", "library",
        prompt="header-only c++20 LRU cache template with get/put and a demo",
        summary="A header-only LRU cache using a list and an unordered_map for O(1) get and put.",
        features=("O(1) get and put", "least recently used entry evicted at capacity", "get refreshes recency"),
        tests=("evicts the least recently used", "put on an existing key updates the value", "capacity 1 works"),
        code=(Code(native.CPP_LRU_CACHE),), extra_files=("CMakeLists.txt", "tests/lru_test.cpp"),
        run=("c++ -std=c++20 -Iinclude src/main.cpp -o lru && ./lru",), test_framework="GoogleTest",
        owner="tomasz.kowalski", tags=("systems", "cache"),
    ),
    Spec(
        42, "python-inventory-report", "Inventory stock report", "python", "none", "script",
        prompt="python script printing a stock table, flagging items to reorder and the total stock value",
        summary="Prints a stock table, flags items at or below their reorder point and totals the stock value.",
        features=("aligned table output", "reorder flag", "total value with thousands separator"),
        tests=("three items need reordering", "total value is 1,788.60", "an item at exactly the reorder point is flagged"),
        code=(Code(pys.INVENTORY_REPORT, runnable=True),), run=("python inventory_report.py",), test_framework="pytest",
        owner="amara.okafor", tags=("script",),
    ),
    Spec(
        43, "python-word-count-cli", "Word count CLI (top 10)", "python", "argparse", "cli",
        prompt="python command line tool: most common words in a text file, top 10, skip stopwords",
        summary="A Python CLI that prints the ten most common words of a text, skipping stopwords.",
        features=("file, stdin or built-in sample", "top 10 by default", "stopword list"),
        tests=("default prints up to 10 lines", "stopwords are skipped", "stdin works"),
        code=(Code(_WORD_COUNT, runnable=True),), run=("python wordcount.py",), test_framework="pytest", owner="diego.ramirez",
        tags=("cli", "text"),
    ),
]
