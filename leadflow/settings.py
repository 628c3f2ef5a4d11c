"""LeadFlow settings, read from the environment (django-environ).

Safe development defaults: SQLite in the project folder and in-process tasks. Production refuses to start
without DJANGO_SECRET_KEY when DJANGO_DEBUG is off.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "leadflow-development-only-not-secret"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "leadflow",
    "accounts",
    "leads",
    "nurturing",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "leadflow.errors.ApiProblemMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "leadflow.middleware.UserTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
    "leadflow.idempotency.IdempotencyMiddleware",
]

# Largest request body accepted (bytes); larger API requests get 413. Bulk endpoints take up to 50 000 rows.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=32 * 1024 * 1024)

ROOT_URLCONF = "leadflow.urls"
WSGI_APPLICATION = "leadflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadflow.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'leadflow.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: WAL lets the in-process scheduler write while pages are read.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "leads:list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=8)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # vendor/plotly/plotly.min.js from the installed plotly package (the dashboards' charts; no CDN)
    "analytics.staticfiles.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if env.str("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LeadFlow <noreply@leadflow.local>")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Celery: with a broker, real workers and beat; without one, tasks run in-process and the
# `serve` command fires the beat schedule from a thread, so timers still fire in `make demo`.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "system-heartbeat": {
        "task": "leadflow.tasks.heartbeat_task",
        "schedule": env.float("LEADFLOW_HEARTBEAT_SECONDS", default=60.0),
    },
    # Calendar slots, not intervals: they wait for their slot instead of firing when beat starts.
    # Every minute: delivers webhook outbox rows whose task was lost (worker died, broker down) or whose retry
    # is due.
    "webhook-deliveries-sweep": {
        "task": "leads.tasks.webhook_deliveries_sweep_task",
        "schedule": crontab(minute="*"),
    },
    "idempotency-records-purge": {
        "task": "leads.tasks.idempotency_records_purge_task",
        "schedule": crontab(minute=17),
    },
    # Every minute: feed positions for committed changes, so a reader after a quiet spell finds them ready
    # (readers also assign on each read).
    "changes-positions-assign": {
        "task": "leads.tasks.changes_positions_assign_task",
        "schedule": crontab(minute="*"),
    },
    # Every minute: the nurturing tick (SLA breaches, overdue task reminders, due sequence steps), a function of
    # `now` that claims due rows with SKIP LOCKED, so a slow or doubled run is harmless.
    "nurture-tick": {
        "task": "nurturing.tasks.nurture_tick_task",
        "schedule": crontab(minute="*"),
    },
    # Every 5 minutes: recompute the analytics dashboard's common panels when the data changed since the last
    # run (one cheap data-version probe otherwise), so the first visitor after a change gets cached figures.
    "analytics-panels-refresh": {
        "task": "analytics.tasks.analytics_panels_refresh_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: route new leads whose routing task could not be queued (a broker outage).
    "routing-catch-up": {
        "task": "leads.routing.tasks.leads_route_unrouted_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 15 minutes: rule tags over the whole pool (their segments' event windows move with time); the leads
    # something happens to are re-tagged at once by the qualification task.
    "tags-rules-sync": {
        "task": "leads.tasks.tags_rules_sync_task",
        "schedule": crontab(minute="*/15"),
    },
    # 02:30 in Shanghai: recount channel conversions (source score) and rescore every lead (engagement decays).
    "scores-nightly": {
        "task": "leads.tasks.scores_nightly_task",
        "schedule": crontab(hour=18, minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["leadflow.permissions.IsAuthenticatedWithRole"],
    "DEFAULT_PAGINATION_CLASS": "leadflow.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "leadflow.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("LEADFLOW_API_THROTTLE_ANON", default="600/minute"),
        "user": env.str("LEADFLOW_API_THROTTLE_USER", default="6000/minute"),
        # POST /api/v1/collect/ (public web forms and trackers): per site key and client IP.
        "collect": env.str("LEADFLOW_COLLECT_RATE", default="120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LeadFlow API",
    # The integrator's guide shown at the top of /api/docs/ (authentication, errors, retries, the sync recipe,
    # webhook signatures), in English and Chinese.
    "DESCRIPTION": (BASE_DIR / "leadflow" / "api_guide.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "leads.choices.Stage",
        "WebhookEventEnum": "leads.models.WebhookEvent",
        "ChannelCategoryEnum": "leads.choices.ChannelCategory",
        "CostCategoryEnum": "leads.choices.CostCategory",
        "TouchpointKindEnum": "leads.choices.TouchpointKind",
        "RevenueKindEnum": "leads.models.RevenueKind",
        "ChangeKindEnum": "leads.models.ChangeKind",
        "TriggerKindEnum": "nurturing.models.sequences.TriggerKind",
        "StepKindEnum": "nurturing.models.sequences.StepKind",
        "TaskKindEnum": "nurturing.models.tasks.TaskKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "leadflow.errors.schema_problem_responses",
    ],
}

# Business rules that sales ops may tune.
LEADFLOW = {
    "BUSINESS_COUNTRY": env.str("LEADFLOW_BUSINESS_COUNTRY", default="CN"),
    "MQL_MIN_BANT": env.int("LEADFLOW_MQL_MIN_BANT", default=2),
    "SQL_MIN_BANT": env.int("LEADFLOW_SQL_MIN_BANT", default=4),
    "DEFAULT_CURRENCY": env.str("LEADFLOW_DEFAULT_CURRENCY", default="CNY"),
    # Idempotency-Key: answers are kept this long; an unfinished claim blocks its key this many seconds.
    "IDEMPOTENCY_TTL_HOURS": 24,
    "IDEMPOTENCY_LEASE_SECONDS": env.int("LEADFLOW_IDEMPOTENCY_LEASE_SECONDS", default=300),
    # Webhooks out: attempts per delivery, first retry delay (doubling, capped), request timeout, and the
    # consecutive failures after which a subscription is paused.
    "WEBHOOK_MAX_ATTEMPTS": env.int("LEADFLOW_WEBHOOK_MAX_ATTEMPTS", default=8),
    "WEBHOOK_BACKOFF_SECONDS": env.int("LEADFLOW_WEBHOOK_BACKOFF_SECONDS", default=30),
    "WEBHOOK_BACKOFF_MAX_SECONDS": env.int("LEADFLOW_WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600),
    "WEBHOOK_TIMEOUT_SECONDS": env.float("LEADFLOW_WEBHOOK_TIMEOUT_SECONDS", default=10.0),
    "WEBHOOK_PAUSE_AFTER_FAILURES": env.int("LEADFLOW_WEBHOOK_PAUSE_AFTER_FAILURES", default=20),
    # Webhook URLs must reach public addresses (no loopback, private, link-local or reserved ones), checked when
    # a subscription is saved and again on every connection. True for receivers on a private network.
    "WEBHOOK_ALLOW_PRIVATE_URLS": env.bool("LEADFLOW_WEBHOOK_ALLOW_PRIVATE_URLS", default=False),
    # Routing: a rep with 2 or more SLA breaches in a month gets this share of leads the next month.
    "ROUTING_BREACH_FACTOR": env.float("LEADFLOW_ROUTING_BREACH_FACTOR", default=0.5),
    # Analytics: gross margin (0-1) used for LTV and payback when a panel is not given one.
    "GROSS_MARGIN": env.float("LEADFLOW_GROSS_MARGIN", default=0.8),
    # ... and the annual churn rate (0-1) assumed while the revenue ledger has no customers to measure it on.
    "DEFAULT_ANNUAL_CHURN": env.float("LEADFLOW_DEFAULT_ANNUAL_CHURN", default=0.2),
    # Absolute links in emails (unsubscribe, lead pages): the address people reach this site at.
    "SITE_URL": env.str("LEADFLOW_SITE_URL", default="http://127.0.0.1:8000"),
    # Nurture sequences: at most this many marketing messages per lead in any 7 days; none during quiet
    # hours ("HH:MM-HH:MM" local, may wrap midnight; blank: none); marketing email only with email consent.
    "NURTURE_FREQUENCY_CAP": env.int("LEADFLOW_NURTURE_FREQUENCY_CAP", default=3),
    "NURTURE_QUIET_HOURS": env.str("LEADFLOW_NURTURE_QUIET_HOURS", default="21:00-08:00"),
    "NURTURE_REQUIRE_CONSENT": env.bool("LEADFLOW_NURTURE_REQUIRE_CONSENT", default=True),
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

