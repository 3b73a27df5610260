# The production stack on loopback, for the smoke test (tests/test_smoke_production.py):
# settings.prod on a database of its own, migrate → check --deploy → collectstatic → demo,
# gunicorn (2 workers) behind nginx with a self-signed certificate, configured from
# deploy/nginx/zuzhi.conf itself. Sourced by .ci/run:
#
#   source .ci/prod-stack.sh; trap stop_prod_stack EXIT; start_prod_stack
#
# then SMOKE_BASE_URL and SMOKE_CA_FILE are exported. Needs nginx, openssl and PostgreSQL
# (DATABASE_URL names the server; the database used is zuzhi_ci_prod).

PROD_HTTPS_PORT="${PROD_HTTPS_PORT:-8743}"
PROD_HTTP_PORT="${PROD_HTTP_PORT:-8780}"
PROD_APP_PORT="${PROD_APP_PORT:-8781}"
PROD_DB="${PROD_DB:-zuzhi_ci_prod}"
PROD_DIR=""
PROD_GUNICORN_PID=""
PROD_ENV=()

_prod_env() {
  env "${PROD_ENV[@]}" "$@"
}

start_prod_stack() {
  PROD_DIR="$(mktemp -d /tmp/zuzhi-prod.XXXXXX)"
  chmod 755 "$PROD_DIR"
  PROD_SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')"
  PROD_SIGNING_KEY="$(.venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
  local server="${DATABASE_URL%/*}"
  PROD_ENV=(
    -u REQUIRE_ALL_TESTS
    DJANGO_SETTINGS_MODULE=settings.prod
    SECRET_KEY="$PROD_SECRET_KEY"
    DATABASE_URL="$server/$PROD_DB"
    ALLOWED_HOSTS=localhost,127.0.0.1
    PUBLIC_BASE_URL="https://localhost:$PROD_HTTPS_PORT"
    HTTPS=1
    TRUSTED_PROXIES=1
    EXCHANGE_SYSTEM_ID=ci
    EXCHANGE_SIGNING_KEY="$PROD_SIGNING_KEY"
    STATIC_ROOT="$PROD_DIR/static"
    GUNICORN_BIND="127.0.0.1:$PROD_APP_PORT"
    GUNICORN_WORKERS=2
    LOG_LEVEL=WARNING
    REDIS_URL="${PROD_REDIS_URL:-redis://127.0.0.1:6379/4}"
  )

  echo "== production stack in $PROD_DIR: https://localhost:$PROD_HTTPS_PORT"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$PROD_DIR/key.pem" -out "$PROD_DIR/cert.pem" 2>/dev/null

  psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS $PROD_DB" -c "CREATE DATABASE $PROD_DB"

  # The order of a real deployment: migrate before collectstatic (docs/deploy.md).
  _prod_env .venv/bin/python manage.py migrate --noinput -v 0
  _prod_env .venv/bin/python manage.py check --deploy --fail-level WARNING
  _prod_env .venv/bin/python manage.py collectstatic --noinput -v 0
  _prod_env .venv/bin/python manage.py demo >/dev/null
  chmod -R a+rX "$PROD_DIR/static"

  # env execs gunicorn, so $! is gunicorn's master.
  env "${PROD_ENV[@]}" .venv/bin/gunicorn --config gunicorn.conf.py \
    --pid "$PROD_DIR/gunicorn.pid" >"$PROD_DIR/gunicorn.log" 2>&1 &
  PROD_GUNICORN_PID=$!

  # The repository's site config, moved to loopback ports and this run's paths.
  sed -e "s#listen 443 ssl http2;.*#listen 127.0.0.1:$PROD_HTTPS_PORT ssl http2;#" \
      -e "s#listen 80;#listen 127.0.0.1:$PROD_HTTP_PORT;#" \
      -e '/listen \[::\]/d' \
      -e "s#server 127.0.0.1:8000#server 127.0.0.1:$PROD_APP_PORT#" \
      -e "s#server_name zuzhi.example.gov.cn;#server_name localhost;#" \
      -e "s#/etc/ssl/zuzhi/fullchain.pem#$PROD_DIR/cert.pem#" \
      -e "s#/etc/ssl/zuzhi/privkey.pem#$PROD_DIR/key.pem#" \
      -e "s#/srv/zuzhi/staticfiles/#$PROD_DIR/static/#" \
      -e "s#/var/log/nginx/#$PROD_DIR/#" \
      deploy/nginx/zuzhi.conf >"$PROD_DIR/site.conf"
  cat >"$PROD_DIR/nginx.conf" <<NGINX
worker_processes 1;
pid $PROD_DIR/nginx.pid;
error_log $PROD_DIR/nginx-error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $PROD_DIR/body;
  proxy_temp_path $PROD_DIR/proxy;
  fastcgi_temp_path $PROD_DIR/fastcgi;
  uwsgi_temp_path $PROD_DIR/uwsgi;
  scgi_temp_path $PROD_DIR/scgi;
  include $PROD_DIR/site.conf;
}
NGINX
  nginx -t -q -p "$PROD_DIR" -c "$PROD_DIR/nginx.conf"
  nginx -p "$PROD_DIR" -c "$PROD_DIR/nginx.conf"

  export SMOKE_BASE_URL="https://localhost:$PROD_HTTPS_PORT"
  export SMOKE_CA_FILE="$PROD_DIR/cert.pem"
  for _ in $(seq 1 60); do
    if curl -sf --cacert "$SMOKE_CA_FILE" "$SMOKE_BASE_URL/readyz" >/dev/null; then
      echo "== production stack ready"
      return 0
    fi
    sleep 1
  done
  echo "production stack did not become ready; gunicorn said:" >&2
  tail -n 40 "$PROD_DIR/gunicorn.log" "$PROD_DIR/nginx-error.log" >&2 || true
  return 1
}

stop_prod_stack() {
  [ -n "$PROD_DIR" ] && [ -d "$PROD_DIR" ] || return 0
  if [ -f "$PROD_DIR/nginx.pid" ]; then
    nginx -p "$PROD_DIR" -c "$PROD_DIR/nginx.conf" -s quit 2>/dev/null || true
  fi
  local pid
  for pid in "$PROD_GUNICORN_PID" "$(cat "$PROD_DIR/gunicorn.pid" 2>/dev/null)"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  done
  sleep 1
  rm -rf "$PROD_DIR"
  PROD_DIR=""
}
