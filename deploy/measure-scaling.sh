#!/usr/bin/env bash
# Measure the production stack on this machine, loopback only, as docs/scaling.md reports it:
#   (a) one node: gunicorn with 2 workers on the PostgreSQL primary;
#   (b) two gunicorn nodes (2 workers each) behind nginx, the heavy reads on a streaming replica.
# Both run the same bounded load (`manage.py loadtest`: a mix of list pages, 业务办理 pages,
# 同意 and exports, then 同意 alone next to the login page's rate), one after the other.
#
# Needs a primary and a streaming replica (docs/scaling.md shows how to make both with
# pg_createcluster), nginx, and the project's .venv with gunicorn:
#
#   PRIMARY_URL=postgres://postgres@127.0.0.1:5434 REPLICA_URL=postgres://postgres@127.0.0.1:5435 \
#     bash deploy/measure-scaling.sh
#
# Sessions, limits and lockouts go to Redis as in production (REDIS_URL, default database 7 of
# the local Redis). Every server it starts listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

PRIMARY_URL="${PRIMARY_URL:?the primary server, e.g. postgres://postgres@127.0.0.1:5434}"
REPLICA_URL="${REPLICA_URL:?the replica server, e.g. postgres://postgres@127.0.0.1:5435}"
DB="${SCALE_DB:-zuzhi_scale}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
PREPARE="${PREPARE:-6000}"
WORK="$(mktemp -d /tmp/zuzhi-scale.XXXXXX)"
PIDS=()

stop_all() {
  [ -f "$WORK/nginx.pid" ] && nginx -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

export DJANGO_SETTINGS_MODULE=settings.prod
export SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')"
export EXCHANGE_SYSTEM_ID=scale
export EXCHANGE_SIGNING_KEY="$(.venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
export ALLOWED_HOSTS=localhost,127.0.0.1
export SECURE_COOKIES=0 HTTPS=0 LOG_LEVEL=WARNING
# The mix exports far more often than one user may (30 per 10 minutes): lift the limit here.
export EXPORT_RATE_LIMIT=100000
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/7}"
export STATIC_ROOT="$WORK/static"
export DATABASE_URL="$PRIMARY_URL/$DB"
export GUNICORN_WORKERS=2

echo "== preparing $DB on the primary (demo data and $PREPARE transfers waiting for 同意)"
psql "$PRIMARY_URL/postgres" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py demo >/dev/null
.venv/bin/python manage.py loadtest --prepare "$PREPARE"
psql "$PRIMARY_URL/$DB" -q -c "VACUUM ANALYZE"
# The replica has caught up when it sees the last prepared transfer.
expected="$(psql "$PRIMARY_URL/$DB" -Atc 'select max(id) from transfers_transfer')"
for _ in $(seq 1 60); do
  [ "$(psql "$REPLICA_URL/$DB" -Atc 'select max(id) from transfers_transfer' 2>/dev/null)" = "$expected" ] && break
  sleep 1
done

node() {  # node PORT [replica]: one gunicorn node with 2 workers
  local port="$1" replica="${2:-}"
  env ${replica:+DATABASE_REPLICA_URL="$REPLICA_URL/$DB"} GUNICORN_BIND="127.0.0.1:$port" \
    .venv/bin/gunicorn --config gunicorn.conf.py >"$WORK/gunicorn-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 1; done
  echo "node on $port did not start" >&2
  tail -20 "$WORK/gunicorn-$port.log" >&2
  return 1
}

load() {  # load URL LABEL
  echo
  echo "== $2: mix ($SECONDS_PER_RUN s)"
  .venv/bin/python manage.py loadtest --url "$1" --seconds "$SECONDS_PER_RUN" --mode mix
  echo "== $2: 同意 alone, then the login page ($SECONDS_PER_RUN s each)"
  .venv/bin/python manage.py loadtest --url "$1" --seconds "$SECONDS_PER_RUN" --mode approve
}

echo "== (a) one node: gunicorn, 2 workers, primary only"
node 8201
load "http://127.0.0.1:8201" "(a) one node"
stop_all

echo "== (b) two nodes behind nginx, heavy reads on the replica"
node 8201 replica
node 8202 replica
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $WORK/body;
  proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi;
  uwsgi_temp_path $WORK/uwsgi;
  scgi_temp_path $WORK/scgi;
  upstream zuzhi { server 127.0.0.1:8201; server 127.0.0.1:8202; keepalive 16; }
  server {
    listen 127.0.0.1:8200;
    location / {
      proxy_pass http://zuzhi;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -p "$WORK" -c "$WORK/nginx.conf"
load "http://127.0.0.1:8200" "(b) two nodes + replica"
