"""Gunicorn's configuration: everything from the environment (docs/configuration.md).

    DJANGO_SETTINGS_MODULE=settings.prod .venv/bin/gunicorn settings.wsgi

Sync workers by default: each request is short and the database does the waiting; PDFs and
exports are the slow ones, hence the 60-second timeout. Workers are replaced after a bounded
number of requests (with jitter, so they do not all restart at once).
"""

import gc
import multiprocessing

from settings.env import env_bool, env_int, env_str

wsgi_app = "settings.wsgi:application"
bind = env_str("GUNICORN_BIND", "127.0.0.1:8000")
workers = env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1, minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
timeout = env_int("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = max_requests // 10

# The application logs one JSON line per request (ops.logs); gunicorn's access log would say it
# again in another format, so it is off unless asked for. Gunicorn's own messages go to stderr.
accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG", False) else None
errorlog = "-"
# nginx sends X-Forwarded-*; gunicorn should leave them to the application (ops.net).
forwarded_allow_ips = "127.0.0.1,::1"

# systemd (or another supervisor) sends the signals; no control socket in a home directory.
control_socket_disable = True

# Each worker loads the application itself (no preload_app): then `systemctl reload` (HUP)
# starts workers on new code while the old ones finish their requests. A broken configuration
# still stops the start: workers that fail to boot halt the master.
preload_app = False


def post_worker_init(worker):
    """The worker has loaded the application: its modules, URL patterns and templates live as
    long as the worker. Set them aside from the garbage collector (gc.freeze), whose full passes
    otherwise walk all of them — about 120,000 objects, 20–40 ms — in the middle of whichever
    request happens to trigger one."""
    gc.freeze()
