#!/usr/bin/env bash
# Installs the Debian packages qldrops needs outside Python: bubblewrap for the
# sandbox, chromium for the dashboard browser tests, and the analysers' linters
# (shellcheck, cppcheck, golang-go for gofmt and go vet), and node/npm for the editor bundle. Idempotent and quiet when
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
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "qldrops needs the Debian packages: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
