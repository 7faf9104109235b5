#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 before the tests run; the
# PostgreSQL half of the contract suite is mandatory, so this fails loudly
# rather than letting the tests skip. Redis (127.0.0.1:6379: shared rate limits
# and page cache across replicas) is started too when it is installed and silent;
# the few Redis tests say they were skipped when it cannot be.
set -uo pipefail
redis_ready() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! redis_ready && command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not answering on 127.0.0.1:6379; starting it (no persistence)"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null 2>&1 || true
fi
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
