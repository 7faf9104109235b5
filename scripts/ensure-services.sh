#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 before the tests run; the
# PostgreSQL half of the contract suite is mandatory, so this fails loudly
# rather than letting the tests skip.
set -uo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ready; then exit 0; fi
echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it"
if command -v pg_ctlcluster >/dev/null 2>&1; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "${ver:-15}" main start 2>&1 || pg_ctlcluster "${ver:-15}" main start 2>&1 || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ERROR: PostgreSQL is not running and could not be started." >&2
echo "  Install and start it (apt-get install -y postgresql && pg_ctlcluster 15 main start)," >&2
echo "  or point QLDROPS_TEST_POSTGRES_URL at a server you can reach." >&2
exit 1
