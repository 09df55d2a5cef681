"""Gunicorn configuration for the childcase web service.

Used by deploy/systemd/childcase-web.service:

    gunicorn -c deploy/gunicorn.conf.py config.wsgi:application

Every value can be overridden from the environment (/etc/childcase/childcase.env,
see deploy/childcase.env.example).  Importing this module only reads os.environ:
it opens no files or sockets and imports no Django code.

Sizing (one web node):
    DB connections held by this node  ~= workers * threads
    Keep the sum over all web nodes + Celery concurrency + beat + admin sessions
    below PostgreSQL's max_connections (see docs/deploy.md).
"""

import os


def _env_str(name, default):
    value = os.environ.get(name, "").strip()
    return value if value else default


def _env_int(name, default, minimum=0):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _cpu_count():
    # Honour CPU affinity / cgroup cpusets where the platform exposes them.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# --- Socket ---------------------------------------------------------------
# nginx on the same host proxies to 127.0.0.1:8000.  When nginx runs on another
# host, bind to the private address (e.g. 10.0.1.11:8000) and list nginx's
# address in FORWARDED_ALLOW_IPS.
bind = [
    addr.strip() for addr in _env_str("GUNICORN_BIND", "127.0.0.1:8000").split(",") if addr.strip()
]
backlog = 2048

# --- Workers --------------------------------------------------------------
workers = _env_int("GUNICORN_WORKERS", 2 * _cpu_count() + 1, minimum=1)
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)
# gunicorn switches "sync" to "gthread" by itself when threads > 1; say it explicitly.
worker_class = "gthread" if threads > 1 else "sync"

# Anything slower than a screen goes to Celery; a request running past this is
# a bug, and the worker is killed and replaced (the client sees 502 from nginx).
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# Time a worker gets to finish in-flight requests on SIGTERM / HUP.
# Keep systemd's TimeoutStopSec for the web unit above this.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
# Seconds to keep an idle keep-alive connection from nginx open (gthread only;
# sync workers close after each response).
keepalive = _env_int("GUNICORN_KEEPALIVE", 5, minimum=0)

# Recycle workers regularly to cap slow memory growth (openpyxl, WeasyPrint).
# The jitter keeps all workers from restarting at the same moment.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000, minimum=0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200, minimum=0)

# Each worker imports the app itself: a HUP reload picks up new code and no DB
# or Redis connection is created in the master and shared across fork().
preload_app = False

# --- Proxy ----------------------------------------------------------------
# Only these addresses may set X-Forwarded-Proto (and so mark a request HTTPS).
# nginx overwrites X-Forwarded-For/Proto/Host; never list a client network here.
forwarded_allow_ips = _env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")

# --- Logging --------------------------------------------------------------
# Both go to the journal via systemd (journalctl -u childcase-web).
accesslog = "-"
errorlog = "-"
loglevel = _env_str("LOG_LEVEL", "INFO").lower()
# Fields: client address as seen by gunicorn (nginx), X-Forwarded-For (real
# client), time, method, PATH WITHOUT QUERY STRING, protocol, status, bytes,
# request time in microseconds (%(D)s), user agent.
# The query string and Referer are deliberately left out: search screens can
# carry children's names or dates of birth in the URL, and access logs are kept
# and shipped outside the application's access control.
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(D)s "%(a)s"'
)

proc_name = "childcase-web"

# --- Control socket (gunicorn >= 25.1) -------------------------------------
# Off unless a path is given; the systemd unit points it into its
# RuntimeDirectory.  Older gunicorn versions ignore these names.
_control_socket = _env_str("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
    control_socket_mode = 0o600
else:
    control_socket_disable = True
