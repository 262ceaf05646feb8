"""Kedang settings: one module, driven by environment variables with defaults that run locally.

SPEC §14: DATABASE_URL, KEDANG_MEDIA_ROOT, SECRET_KEY, KEDANG_FIELD_KEY, DEBUG.
A secret may also be given as a file: SECRET_KEY_FILE=/run/secrets/key.
Production (KEDANG_PRODUCTION=1): the secret key must come from KEDANG_SECRET_KEY (or SECRET_KEY), HTTPS is
on, and `manage.py check --deploy` is clean — see README "Security and operations".
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KEDANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# The files a process writes as it runs (job queue, erasure ledger, outgoing SMS and mail, the test
# database) go to RUN_DIR: VAR_DIR itself, or under pytest-xdist one folder per worker, so that parallel
# test processes never share them. The keys stay in VAR_DIR, shared (created atomically, _local_key).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
RUN_DIR = VAR_DIR / f"xdist-{_XDIST_WORKER}" if _XDIST_WORKER else VAR_DIR
RUN_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    """Read NAME from the environment, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_key(name: str, nbytes: int) -> str:
    """A per-installation key kept in VAR_DIR/NAME, made on first start. Several processes may start at
    once (gunicorn workers, parallel test workers): the key is written to a private file and linked into
    place, so the first one wins and every process reads the same key, never a half-written one."""
    path = VAR_DIR / name
    if not path.exists():
        draft = VAR_DIR / f".{name}.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(nbytes), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def _local_secret_key() -> str:
    """A per-installation key kept under var/ so that sessions survive restarts."""
    return _local_key("secret_key", 50)


KEDANG_PRODUCTION = env_bool("KEDANG_PRODUCTION")
DEBUG = env_bool("DEBUG") and not KEDANG_PRODUCTION


def _required_in_production(name: str) -> None:
    if KEDANG_PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"KEDANG_PRODUCTION=1 needs {name} (or {name}_FILE)")


SECRET_KEY = env("KEDANG_SECRET_KEY") or env("SECRET_KEY")
if not SECRET_KEY:
    _required_in_production("KEDANG_SECRET_KEY")
    SECRET_KEY = _local_secret_key()


def _local_field_key() -> str:
    """The key that encrypts ID numbers at rest, kept under var/ when KEDANG_FIELD_KEY is not set (a local
    or demo installation). Production sets KEDANG_FIELD_KEY and keeps a copy apart from the backups:
    without it the ID numbers cannot be read back."""
    return _local_key("field_key", 48)


KEDANG_FIELD_KEY = env("KEDANG_FIELD_KEY")
if not KEDANG_FIELD_KEY:
    _required_in_production("KEDANG_FIELD_KEY")
    KEDANG_FIELD_KEY = _local_field_key()
# erasures (data-subject requests) are also appended here, outside the database, to survive a restore
KEDANG_ERASURE_LEDGER = Path(env("KEDANG_ERASURE_LEDGER") or RUN_DIR / "erasure-ledger.jsonl")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "kedang.accounts",
    "kedang.customers",
    "kedang.search",
    "kedang.governance",
    "kedang.agenda",
    "kedang.followups",
    "kedang.complaints",
    "kedang.exchange",
    "kedang.privacy",
    "kedang.care",
    "kedang.receivables",
    "kedang.web",
    "kedang.ops",
    "huey.contrib.djhuey",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # malformed bodies, control characters, integers past ±2**53: 400/422 before any view (#20)
    "kedang.protocol.ProtocolGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kedang.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kedang.privacy.middleware.CurrentRequestMiddleware",
    "kedang.ops.sessions.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kedang.urls"
WSGI_APPLICATION = "kedang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kedang.web.context.frame",
            ],
        },
    },
]

# Database: SQLite file under var/ by default (WAL, IMMEDIATE transactions so that concurrent
# writers queue instead of failing), PostgreSQL when DATABASE_URL says postgres://…
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kedang.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests use a real file, not a shared in-memory database, so that threads really race;
    # one per process, so that two test runs on one checkout (or two xdist workers) do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(RUN_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out accounts and addresses first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kedang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = Path(env("KEDANG_MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checking view

# Attachments (R-A7)
KEDANG_MAX_UPLOAD_BYTES = int(env("KEDANG_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Archive number pattern (R-A3). Fields: {year}, {kind} (P person / C company), {seq}.
KEDANG_ARCHIVE_NO_PATTERN = env("KEDANG_ARCHIVE_NO_PATTERN", "KD{kind}-{year}-{seq:06d}")
# Deleted archives stay restorable in the recycle bin this many days (R-G4).
KEDANG_RECYCLE_DAYS = int(env("KEDANG_RECYCLE_DAYS", "30"))
# An uploaded import file is deleted when its import is over; anything left is deleted after this many days.
KEDANG_IMPORT_FILE_DAYS = int(env("KEDANG_IMPORT_FILE_DAYS", "7"))
# API tokens live this many days.
KEDANG_TOKEN_DAYS = int(env("KEDANG_TOKEN_DAYS", "30"))

# Follow-ups (R-F): the daily job, samples and hand-over deadlines.
# A task whose last day passed more than this many days before its event is recorded is not created.
KEDANG_FOLLOWUP_LATE_DAYS = int(env("KEDANG_FOLLOWUP_LATE_DAYS", "30"))
KEDANG_LEVEL2_SAMPLE_SIZE = int(env("KEDANG_LEVEL2_SAMPLE_SIZE", "20"))  # per month (R-F1)
KEDANG_LEVEL3_SAMPLE_SIZE = int(env("KEDANG_LEVEL3_SAMPLE_SIZE", "30"))  # per quarter
KEDANG_LEVEL3_BIG_TICKET = env("KEDANG_LEVEL3_BIG_TICKET", "20000.00")  # CNY; repairs above go to level 3
KEDANG_SAMPLE_SEED = env("KEDANG_SAMPLE_SEED", "kedang")
KEDANG_HANDOVER_SALES_DAYS = int(env("KEDANG_HANDOVER_SALES_DAYS", "2"))  # working days (R-A6)
KEDANG_HANDOVER_REPAIR_DAYS = int(env("KEDANG_HANDOVER_REPAIR_DAYS", "1"))

# Background and periodic jobs (huey): SQLite storage under var/ by default; HUEY_REDIS_URL for many machines.
# `manage.py run_huey` runs the worker, which calls run_daily at 06:00 Asia/Shanghai.
_HUEY_REDIS = env("HUEY_REDIS_URL")
HUEY_REDIS_URL = _HUEY_REDIS  # /healthz pings it
HUEY: dict[str, object] = {
    "huey_class": "huey.RedisHuey" if _HUEY_REDIS else "huey.SqliteHuey",
    "name": "kedang",
    "immediate": env_bool("HUEY_IMMEDIATE"),
    "utc": False,
    "consumer": {"workers": 1, "worker_type": "thread"},
}
if _HUEY_REDIS:
    HUEY["url"] = _HUEY_REDIS
else:
    HUEY["filename"] = str(RUN_DIR / "huey.sqlite3")

# Login hardening (django-axes): after KEDANG_LOGIN_FAILURE_LIMIT failures an account, and separately an
# address, is locked for KEDANG_LOGIN_LOCKOUT_MINUTES. X-Forwarded-For counts only with KEDANG_TRUSTED_PROXIES.
KEDANG_TRUSTED_PROXIES = int(env("KEDANG_TRUSTED_PROXIES", "0"))
AXES_FAILURE_LIMIT = int(env("KEDANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(env("KEDANG_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [
    p.strip() for p in env("KEDANG_LOGIN_LOCKOUT_BY", "username,ip_address").split(",")
]
AXES_CLIENT_IP_CALLABLE = "kedang.ops.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "kedang.ops.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
KEDANG_LOGIN_LOG_DAYS = int(env("KEDANG_LOGIN_LOG_DAYS", "180"))  # login records kept this long

# Sessions end after KEDANG_SESSION_IDLE_MINUTES without a request, and after KEDANG_SESSION_MAX_HOURS anyway.
KEDANG_SESSION_IDLE_MINUTES = float(env("KEDANG_SESSION_IDLE_MINUTES", "30"))
KEDANG_SESSION_MAX_HOURS = float(env("KEDANG_SESSION_MAX_HOURS", "10"))

# Care messages (kedang/care, R-C4): SMS through a gateway class (a file per message under var/sms by
# default); e-mail through Django's mail backend — SMTP when EMAIL_HOST is set, else files under var/mail.
KEDANG_SMS_BACKEND = env("KEDANG_SMS_BACKEND", "kedang.care.gateways.FileSmsBackend")
KEDANG_SMS_DIR = Path(env("KEDANG_SMS_DIR", str(RUN_DIR / "sms")))
# quiet hours per channel, "HH:MM-HH:MM" local time; empty: none (R-C6)
KEDANG_QUIET_HOURS = {"sms": env("KEDANG_QUIET_HOURS_SMS", "21:00-08:00")}
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "kedang@localhost")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = RUN_DIR / "mail"

# /healthz (kedang/ops/health.py): free disk space it requires, and how old the last finished run_daily may be
KEDANG_HEALTH_MIN_FREE_MB = int(env("KEDANG_HEALTH_MIN_FREE_MB", "1024"))
KEDANG_HEALTH_DAILY_MAX_HOURS = float(env("KEDANG_HEALTH_DAILY_MAX_HOURS", "26"))
# a load balancer's health check may come over plain HTTP, behind the HTTPS redirect
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

SESSION_COOKIE_HTTPONLY = True
# Flash messages live in the session, not in a cookie of the browser: a message about a customer ("已恢复：…")
# is dropped with the session when another user logs in on the same browser, instead of showing on her
# next page (the 403 page renders the product frame, messages included)
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = int(KEDANG_SESSION_IDLE_MINUTES * 60) + 60
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG and env_bool("KEDANG_HTTPS", default=KEDANG_PRODUCTION):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KEDANG_HSTS_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("KEDANG_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:  # preloading is a commitment the operator opts into, not a defect
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if KEDANG_TRUSTED_PROXIES:  # TLS ends at the proxy, which says so in X-Forwarded-Proto
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # phone and ID numbers never reach a log in clear (R-G7)
    "filters": {"mask_personal_data": {"()": "kedang.privacy.log_filter.MaskPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
