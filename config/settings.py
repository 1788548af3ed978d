"""duban settings: one file, read from the environment, with defaults that run out of the box.

No DATABASE_URL means an embedded SQLite file under var/; no REDIS_URL means Celery tasks run
in-process. Misconfiguration is reported by system checks (see config/checks.py).
"""
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_int, env_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_secret("DUBAN_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # the SQLite file, static, private files

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", "dev-only-insecure-key-change-me")  # see config/checks.py
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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
DATA_UPLOAD_MAX_MEMORY_SIZE = PLAN_UPLOAD_MAX_BYTES + 1024 * 1024

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
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "duban-throttle", "TIMEOUT": 24 * 3600,
         "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
        if REDIS_URL else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}
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

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

