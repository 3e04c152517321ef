#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust auth), Redis (127.0.0.1:6379)
# and nginx (used by the scale-out tests as the balancer) are installed and running.
# Safe to run again: services that already answer are left alone.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # wait_for <what> <command...>
  local what=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "services: $what did not come up" >&2
  return 1
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

# PostgreSQL
if ! command -v pg_isready >/dev/null 2>&1; then install postgresql; fi
if ! pg_up; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_up
fi
# The tests connect as postgres without a password on loopback.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  hba=$(as_root su postgres -c "psql -Atc 'show hba_file'")
  as_root sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
  as_root su postgres -c "psql -Atc 'select pg_reload_conf()'" >/dev/null
  wait_for "PostgreSQL trust auth" psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1'
fi

# Redis
if ! command -v redis-server >/dev/null 2>&1; then install redis-server; fi
if ! redis_up; then
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis_up
fi

# nginx: only the binary is needed; the tests run their own instance on a free port.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then install nginx; fi

echo "services: PostgreSQL and Redis answer on loopback"
