"""gunicorn settings for Kedang (deploy/start.sh passes this file; README "Production").

Workers from the core count (2 × cores + 1 sync workers; KEDANG_WORKERS overrides), timeouts that let an
export or a PDF finish, recycled workers, and a graceful reload: `systemctl reload kedang-web` sends HUP,
new workers start with the new code and old ones finish their requests (graceful_timeout) first.
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("KEDANG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KEDANG_WORKERS") or 2 * _cores() + 1)
threads = int(os.environ.get("KEDANG_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# a request may take this long (a 10,000-row export, a PDF) before its worker is killed and restarted
timeout = int(os.environ.get("KEDANG_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("KEDANG_GRACEFUL_TIMEOUT", "30"))  # to finish requests on reload/stop
keepalive = 5  # nginx keeps connections to the upstream open
max_requests = 2000  # recycle workers now and then (memory), staggered
max_requests_jitter = 200
preload_app = False  # HUP reloads the code: each new worker imports it afresh
forwarded_allow_ips = os.environ.get("KEDANG_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"  # to the journal
errorlog = "-"
loglevel = os.environ.get("KEDANG_GUNICORN_LOGLEVEL", "info")
proc_name = "kedang-web"
