"""duban settings: one file, read from the environment, with defaults that run out of the box.

No DATABASE_URL means an embedded SQLite file under var/; no REDIS_URL means Celery tasks run
in-process. Misconfiguration is reported by system checks (see config/checks.py).
"""
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_int, env_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_secret("DUBAN_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # the SQLite file, static, private files

DEBUG = env_bool("DEBUG", True)
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env_secret("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    # Refuse to start (runserver, migrate, gunicorn, celery alike): with the published key anyone
    # can forge sessions and password-reset links.
    raise ImproperlyConfigured(
        "DEBUG is off and SECRET_KEY is the development key: set SECRET_KEY (or SECRET_KEY_FILE)")
ALLOWED_HOSTS = [h for h in env_secret("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_secret("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "django_fsm_log",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files: no CDN
    "axes",  # login lockout (see "security" below)
    "csp",
    "agencies",
    "tasks",
    "notifications",  # a leaf: imports none of the apps below
    "workflow",
    "supervision",
    "api",  # /api/v1/: reads and actions over the same selectors and services as the pages
]

MIDDLEWARE = [
    "lib.logging.RequestIdMiddleware",  # first: every later line of a request carries its id
    "config.health.HealthzMiddleware",  # /healthz on any Host header (docker, load balancers)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before CSRF, which reads the body: an oversized body is refused unread.
    "lib.security.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the 429 page
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{VAR_DIR / 'duban.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before the password is even checked.
    # It needs `request` in authenticate(); tests log in with force_login, which does not
    # authenticate, and the login pages pass the request.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The UI is Chinese for every user: there is no LocaleMiddleware, so a browser that asks for
# English still gets zh-hans. English exists only as the source language of the strings.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded plans and (later) attachments live outside the static tree and are never
    # served by URL: only views that check permissions read them.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "private"

# Largest plan file the upload page accepts.
PLAN_UPLOAD_MAX_BYTES = env_int("PLAN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# Largest attachment on a report or contribution.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)

REDIS_URL = env_secret("REDIS_URL", "")
# Links in emails: the address users reach the site at, without a trailing slash.
SITE_URL = env_secret("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# ---- Celery (broker Redis; see notifications/tasks.py for the tasks and the beat entries) ----
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None  # no task's return value is read; the outbox table is the record
# Without a broker the embedded default runs every task in the web process.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge a task after it ran, not when it is received: a worker killed mid-task leaves the
# message unacknowledged and Redis hands it to another worker. Safe because every task here is
# idempotent (the outbox's claim and unique keys, not the broker, prevent a second email).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Take one message at a time: with acks_late a prefetched message would wait, unacknowledged,
# behind a long sweep, and be redelivered elsewhere after the visibility timeout.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task declares its own limits; these catch one that does not.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers a message not acknowledged within this many seconds. It must exceed the
    # longest task (hard limit 300 s) and the longest retry countdown (600 s, tasks.py), or a
    # task still running or waiting for its retry would be delivered a second time.
    "visibility_timeout": 900,
    # Give up connecting quickly: the web app publishes after commit and must not hang on a
    # broker that is down (the row stays pending; the periodic flush sends it).
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing from a web request: a few quick retries, then the caller logs and moves on.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1,
}
# A worker started before Redis keeps trying to connect instead of exiting (Celery 6 default).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker whose Redis restarts waits for it
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep Django's LOGGING

# ---- email ------------------------------------------------------------------------------------
# Unset: DEBUG writes each message as a file under var/mail (the demo), otherwise the console.
_DEFAULT_EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_BACKEND = env_secret("EMAIL_BACKEND", _DEFAULT_EMAIL_BACKEND)
EMAIL_FILE_PATH = env_secret("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_secret("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_secret("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP conversation may block; well under OUTBOX_LEASE_SECONDS, so a send never
# outlives its claim (another worker would send the message again).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_secret("DEFAULT_FROM_EMAIL", "duban@localhost")

# ---- the outbox (notifications/outbox.py) ----------------------------------------------------
# A claimed message not marked sent within this many seconds is claimed again.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# Attempts before a message is marked failed; between them 2, 4, 8 … minutes, at most 6 h.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 60)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)
# Emails per person per day (Asia/Shanghai); more wait until 08:00 the next day. Urgent ones
# (escalations) are never held back.
OUTBOX_DAILY_CAP = env_int("OUTBOX_DAILY_CAP", 3)

# ---- channels beyond email (notifications/channels.py) ---------------------------------------
# Hosts a group robot's webhook may point to (comma-separated): the worker posts only there, so
# an endpoint entered in the admin cannot make it call an internal address.
CHANNEL_WEBHOOK_HOSTS = [h.strip() for h in env_secret(
    "CHANNEL_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com").split(",") if h.strip()]
# Seconds a robot or the SMS gateway may take to answer; well under OUTBOX_LEASE_SECONDS.
CHANNEL_TIMEOUT = env_int("CHANNEL_TIMEOUT", 10)
# The SMS gateway: an HTTP API taking POST {"phone", "text"} with "Authorization: Bearer
# <token>". Unset: SMS endpoints' messages fail (listed with the failed ones).
SMS_GATEWAY_URL = env_secret("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_secret("SMS_GATEWAY_TOKEN", "")

# ---- logging: one line per event on stdout, JSON in production (lib/logging.py) --------------
# Each line carries the request id (X-Request-ID, echoed in the response) or the Celery task id
# and name. The worker keeps this configuration (CELERY_WORKER_HIJACK_ROOT_LOGGER is off, and
# Celery adds its own handler only to a logger that has none: hence "celery.task" here).
LOG_FORMAT = env_secret("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is neither json nor text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "lib.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "lib.logging.JsonFormatter"},
        "text": {"()": "lib.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler", "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT, "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "duban": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "celery.task": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# ---- the REST API (api/) ---------------------------------------------------------------------
# Throttle rates as DRF writes them ("1000/hour", "60/minute"); empty: no limit. Counted in
# Redis when REDIS_URL is set, so that every gunicorn process and web container shares the
# counts; without it, in each process's memory. If Redis is down, requests are not throttled.
API_THROTTLE_USER = env_secret("API_THROTTLE_USER", "1000/hour").strip()
API_THROTTLE_ANON = env_secret("API_THROTTLE_ANON", "60/hour").strip()
# (the "throttle" cache is defined with the others under "The caches" below)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",  # first: anonymous callers get 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.UserThrottle", "api.throttles.AnonThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "duban API",
    "DESCRIPTION": "Plans, tasks, reports and supervision figures of duban (督办).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {  # three choice sets share the field name "kind"
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "TargetKindEnum": "tasks.models.Target.Kind",
        "EscalationKindEnum": "workflow.models.Escalation.Kind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "api.schema.add_error_responses"],
}

# ---- /healthz (config/health.py) -------------------------------------------------------------
# Beat is late when the outbox flush entry (every 5 minutes) has not run for this long; the
# outbox is late when an email has been due, unsent, for this long.
HEALTH_BEAT_STALE_SECONDS = env_int("HEALTH_BEAT_STALE_SECONDS", 15 * 60)
HEALTH_OUTBOX_STALE_SECONDS = env_int("HEALTH_OUTBOX_STALE_SECONDS", 30 * 60)

# ---- security (README, "Security") ------------------------------------------------------------
# HTTPS. Off with DEBUG (runserver speaks plain HTTP); on in production. Behind a proxy that ends
# TLS, set SECURE_PROXY_SSL_HEADER to the header it sets (X-Forwarded-Proto), or every request
# looks like plain HTTP and the redirect loops. Only set it when the proxy always overwrites it.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
_proxy_header = env_secret("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None)
# HSTS: browsers keep to HTTPS for this long once they have seen it (0: no header).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)  # a commitment: opt in

# Request bodies. Form fields (not files) held in memory at most; any body larger than
# REQUEST_MAX_BYTES (Content-Length), or than DATA_UPLOAD_MAX_MEMORY_SIZE from someone not
# logged in, is refused with 413 before it is read (lib/security.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
REQUEST_MAX_BYTES = env_int(
    "REQUEST_MAX_BYTES", max(PLAN_UPLOAD_MAX_BYTES, ATTACHMENT_MAX_BYTES) + 1024 * 1024)
# Per report or contribution: at most this many attachments, this many bytes in all.
ATTACHMENTS_PER_REPORT = env_int("ATTACHMENTS_PER_REPORT", 20)
# 延期申请: how many extensions one report due (or task deadline) may be granted, and how far
# (working days after the due date in force) an extension may move it (workflow.extensions).
EXTENSION_MAX_PER_OBLIGATION = env_int("EXTENSION_MAX_PER_OBLIGATION", 2)
EXTENSION_MAX_WORKING_DAYS = env_int("EXTENSION_MAX_WORKING_DAYS", 20)
ATTACHMENTS_TOTAL_BYTES = env_int("ATTACHMENTS_TOTAL_BYTES", 100 * 1024 * 1024)

# Sessions end after SESSION_IDLE_SECONDS without a request: every request saves the session
# with a fresh expiry (the row's expire_date, the cookie's max-age), so Django itself drops one
# left idle that long. One UPDATE per page a logged-in user opens (static files never reach the
# session), which is nothing at duban's scale; a middleware renewing at most once a minute would
# save it, but makes a page's query count depend on the time since the last renewal.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 2 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True

# The caches: throttling counters, password reset ("default") and the API ("throttle"). Redis
# when there is one, so that every gunicorn process counts together; in-process memory in the
# embedded default. The API's fails open: a short timeout, and requests pass when Redis is down.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "duban"} if REDIS_URL else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "duban"}
    ),
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "duban-throttle", "TIMEOUT": 24 * 3600,
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if REDIS_URL else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}

# Login lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES, on the site's and the admin's login
# alike, answered with 429 by config.accounts.locked_out. A success resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "lib.security.client_ip"
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, or behind PROXY_COUNT proxies that append to
# X-Forwarded-For, the address the outermost of them saw.
PROXY_COUNT = env_int("PROXY_COUNT", 0)

# Password reset mails: at most this many per email address and per client address an hour.
PASSWORD_RESET_PER_EMAIL_PER_HOUR = env_int("PASSWORD_RESET_PER_EMAIL_PER_HOUR", 3)
PASSWORD_RESET_PER_IP_PER_HOUR = env_int("PASSWORD_RESET_PER_IP_PER_HOUR", 10)

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and images from this site only;
# no inline script or style (the templates have none; the charts are static/js/dashboard.js).
# The one inline <style> of Django's admin change list is allowed by its hash.
ADMIN_CHANGELIST_STYLE_HASH = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, ADMIN_CHANGELIST_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

