"""Gunicorn settings for LeadFlow, read from the environment so the same file serves compose and CI.

GUNICORN_BIND (default 0.0.0.0:8000), GUNICORN_WORKERS (default 2 x CPUs + 1, at most 8),
GUNICORN_THREADS (default 1), GUNICORN_TIMEOUT seconds (default 60), GUNICORN_MAX_REQUESTS (default 2000),
GUNICORN_LOG_LEVEL (default info). Gunicorn itself reads FORWARDED_ALLOW_IPS (proxies trusted for
X-Forwarded-*).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Recycle workers now and then so a slow leak in one request path cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# Gunicorn 27's control socket lives in $HOME, which the container user cannot write and which concurrent
# servers on one machine would share; LeadFlow does not use gunicornc.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Before the worker takes its first request: load the URLconf (every view module, pandas and plotly with
    the dashboards: most of a second that the first request of each worker would otherwise wait for, after
    every start and every max_requests recycle), then move everything loaded out of the garbage collector's
    reach. A bulk request allocates tens of thousands of objects, and every full collection it triggered
    walked the whole loaded heap again (a fifth of a 5,000-lead request's time)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the property imports the URLconf)
    gc.freeze()
