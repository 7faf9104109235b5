#!/usr/bin/env bash
# Installs the Debian packages qldrops needs outside Python: bubblewrap for the
# sandbox, chromium for the dashboard browser tests, and the analysers' linters
# (shellcheck, cppcheck, golang-go for gofmt and go vet), node/npm for the editor bundle, and nginx + wrk for the
# replicas behind a proxy (tests and benchmark). Idempotent and quiet when
# everything is there.
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v cppcheck >/dev/null 2>&1 || need+=(cppcheck)
{ command -v go >/dev/null 2>&1 && command -v gofmt >/dev/null 2>&1; } || need+=(golang-go)
# node + npm build the editor page's JavaScript bundle at setup (make editor)
{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || need+=(nodejs npm)
# nginx in front of two replicas in the tests (deploy/nginx.conf); wrk loads it in benchmarks/bench_replicas.py
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "qldrops needs the Debian packages: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
