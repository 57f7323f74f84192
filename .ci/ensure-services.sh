#!/usr/bin/env bash
# Makes sure Redis (6379), PostgreSQL (5432, trust auth) and Chromium are there on 127.0.0.1,
# installing them with apt-get on a fresh Debian machine.
set -euo pipefail
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  conf=/etc/postgresql/$ver/main
  # Trust auth on loopback, as on the project's machines: tests connect as postgres without a password.
  sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/; s/^(local\s+all\s+\S+\s+)\S+/\1trust/' "$conf/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
fi

if ! command -v chromium >/dev/null; then apt_install chromium; fi

for i in $(seq 1 30); do
  if port_open 6379 && port_open 5432; then break; fi
  sleep 1
done
port_open 6379 || { echo "ci: Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
port_open 5432 || { echo "ci: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='leadstage_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c 'create database leadstage_test' >/dev/null
echo "ci: redis and postgresql answering on 127.0.0.1"
