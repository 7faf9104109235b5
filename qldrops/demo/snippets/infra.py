"""SQL, shell, Dockerfiles and YAML (CI, Kubernetes)."""

SQL_SALES_SCHEMA = r'''-- File: db/schema.sql
CREATE TABLE customers (
    customer_id   BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    country       CHAR(2) NOT NULL,
    signed_up_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE products (
    product_id    BIGSERIAL PRIMARY KEY,
    sku           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,
    list_price    NUMERIC(10, 2) NOT NULL CHECK (list_price >= 0)
);

CREATE TABLE orders (
    order_id      BIGSERIAL PRIMARY KEY,
    customer_id   BIGINT NOT NULL REFERENCES customers (customer_id),
    ordered_at    TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'refunded'))
);

CREATE TABLE order_items (
    order_id      BIGINT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    product_id    BIGINT NOT NULL REFERENCES products (product_id),
    quantity      INT NOT NULL CHECK (quantity > 0),
    unit_price    NUMERIC(10, 2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE INDEX orders_customer_time ON orders (customer_id, ordered_at);
CREATE INDEX orders_time ON orders (ordered_at) WHERE status <> 'refunded';
'''

SQL_SALES_QUERIES = r'''-- File: db/queries.sql
-- Monthly revenue and order count, refunds excluded.
SELECT date_trunc('month', o.ordered_at) AS month,
       count(DISTINCT o.order_id)          AS orders,
       sum(oi.quantity * oi.unit_price)    AS revenue
FROM orders o
JOIN order_items oi USING (order_id)
WHERE o.status <> 'refunded'
GROUP BY 1
ORDER BY 1;

-- Top 10 products by revenue in the last 90 days, with their share of the total.
WITH recent AS (
    SELECT oi.product_id, sum(oi.quantity * oi.unit_price) AS revenue
    FROM order_items oi
    JOIN orders o USING (order_id)
    WHERE o.ordered_at >= now() - interval '90 days' AND o.status <> 'refunded'
    GROUP BY oi.product_id
)
SELECT p.sku, p.name, r.revenue,
       round(100.0 * r.revenue / sum(r.revenue) OVER (), 2) AS pct_of_total
FROM recent r
JOIN products p USING (product_id)
ORDER BY r.revenue DESC
LIMIT 10;

-- Average order value per country, only countries with at least 20 orders.
SELECT c.country, count(*) AS orders, round(avg(t.total), 2) AS avg_order_value
FROM (
    SELECT o.order_id, o.customer_id, sum(oi.quantity * oi.unit_price) AS total
    FROM orders o JOIN order_items oi USING (order_id)
    WHERE o.status IN ('paid', 'shipped')
    GROUP BY o.order_id, o.customer_id
) t
JOIN customers c USING (customer_id)
GROUP BY c.country
HAVING count(*) >= 20
ORDER BY avg_order_value DESC;
'''

SQL_RETENTION = r'''-- File: analytics/retention.sql
-- Weekly signup cohorts and the share of each cohort active N weeks later.
WITH cohorts AS (
    SELECT user_id, date_trunc('week', signed_up_at)::date AS cohort_week
    FROM users
),
activity AS (
    SELECT DISTINCT e.user_id, date_trunc('week', e.occurred_at)::date AS active_week
    FROM events e
    WHERE e.event_type IN ('login', 'purchase', 'share')
),
joined AS (
    SELECT c.cohort_week,
           (a.active_week - c.cohort_week) / 7 AS week_number,
           a.user_id
    FROM cohorts c
    JOIN activity a ON a.user_id = c.user_id AND a.active_week >= c.cohort_week
),
sizes AS (
    SELECT cohort_week, count(*) AS cohort_size FROM cohorts GROUP BY 1
)
SELECT j.cohort_week,
       s.cohort_size,
       j.week_number,
       count(DISTINCT j.user_id)                                         AS active_users,
       round(100.0 * count(DISTINCT j.user_id) / s.cohort_size, 1)       AS retention_pct
FROM joined j
JOIN sizes s USING (cohort_week)
WHERE j.week_number BETWEEN 0 AND 8
GROUP BY j.cohort_week, s.cohort_size, j.week_number
ORDER BY j.cohort_week, j.week_number;
'''

DEPLOY_SH = r'''#!/usr/bin/env bash
# File: scripts/deploy.sh
# Build, push and roll out one service. Usage: deploy.sh <service> <environment>
set -euo pipefail

SERVICE="${1:?usage: deploy.sh <service> <environment>}"
ENVIRONMENT="${2:?usage: deploy.sh <service> <environment>}"
REGISTRY="${REGISTRY:-registry.example.com/platform}"
GIT_SHA="$(git rev-parse --short HEAD)"
IMAGE="${REGISTRY}/${SERVICE}:${GIT_SHA}"

case "$ENVIRONMENT" in
  staging|production) ;;
  *) echo "unknown environment: $ENVIRONMENT" >&2; exit 2 ;;
esac

if [[ -n "$(git status --porcelain)" ]]; then
  echo "working tree is dirty; commit or stash first" >&2
  exit 1
fi

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

log "building $IMAGE"
docker build --pull -t "$IMAGE" "services/$SERVICE"
log "pushing $IMAGE"
docker push "$IMAGE"

log "rolling out to $ENVIRONMENT"
kubectl --context "$ENVIRONMENT" -n "$SERVICE" set image "deployment/$SERVICE" "$SERVICE=$IMAGE"
if ! kubectl --context "$ENVIRONMENT" -n "$SERVICE" rollout status "deployment/$SERVICE" --timeout=180s; then
  log "rollout failed, rolling back"
  kubectl --context "$ENVIRONMENT" -n "$SERVICE" rollout undo "deployment/$SERVICE"
  exit 1
fi
log "deployed $SERVICE@$GIT_SHA to $ENVIRONMENT"
'''

BACKUP_ROTATION_SH = r'''#!/usr/bin/env bash
# File: rotate_backups.sh
# Keep the newest N daily archives in a folder and delete the rest.
# With no folder argument it runs a dry demo in a temporary directory.
set -euo pipefail

KEEP="${KEEP:-3}"
DIR="${1:-}"

if [[ -z "$DIR" ]]; then
  DIR="$(mktemp -d)"
  trap 'rm -rf "$DIR"' EXIT
  for day in 01 02 03 04 05 06; do
    touch -d "2026-11-$day 02:00" "$DIR/app-2026-11-$day.tar.gz"
  done
  echo "demo folder with $(ls "$DIR" | wc -l) archives"
fi

mapfile -t archives < <(ls -1t "$DIR"/*.tar.gz 2>/dev/null || true)
echo "found ${#archives[@]} archives, keeping $KEEP"

for i in "${!archives[@]}"; do
  if (( i < KEEP )); then
    echo "keep   $(basename "${archives[$i]}")"
  else
    echo "delete $(basename "${archives[$i]}")"
    rm -f -- "${archives[$i]}"
  fi
done
echo "left: $(ls "$DIR" | wc -l)"
'''

# Shared verbatim by two workflows: an exact duplicate across the corpus.
DOCKERFILE_PYTHON = r'''# File: Dockerfile
FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app . .
USER app
ENV PYTHONUNBUFFERED=1 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/health')"
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"]

# File: .dockerignore
.git
__pycache__/
*.pyc
.venv/
.env
tests/
'''

GITHUB_ACTIONS_CI = r'''# File: .github/workflows/ci.yml
name: ci
on:
  push:
    branches: [main]
  pull_request:

concurrency:
  group: ci-${{ github.ref }}
  cancel-in-progress: true

jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        python: ["3.11", "3.12"]
    services:
      postgres:
        image: postgres:15
        env:
          POSTGRES_PASSWORD: postgres
        ports: ["5432:5432"]
        options: >-
          --health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 10
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python }}
          cache: pip
      - run: pip install -e '.[dev]'
      - run: ruff check .
      - run: pytest -q --maxfail=1
        env:
          DATABASE_URL: postgresql://postgres:postgres@localhost:5432/postgres

  docker:
    needs: test
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v6
        with:
          push: false
          tags: app:${{ github.sha }}
'''

K8S_MANIFESTS = r'''# File: k8s/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-api
  labels: {app: orders-api}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector:
    matchLabels: {app: orders-api}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: orders-api}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: orders-api
          image: registry.example.com/platform/orders-api:1.4.2
          ports: [{containerPort: 8080, name: http}]
          envFrom: [{secretRef: {name: orders-api-env}}]
          resources:
            requests: {cpu: 100m, memory: 256Mi}
            limits: {memory: 512Mi}
          readinessProbe:
            httpGet: {path: /health, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /health, port: http}
            initialDelaySeconds: 20

# File: k8s/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: orders-api
spec:
  selector: {app: orders-api}
  ports: [{port: 80, targetPort: http}]
'''
