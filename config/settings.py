"""Settings, read from the environment with safe local defaults.

Unset, everything runs on one machine: SQLite and files under ``var/``, tasks
in-process. A newsroom sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0 and
ALLOWED_HOSTS; README.md lists every variable.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_json_object,
    env_list,
    env_locales,
    env_networks,
    env_search_urls,
    env_size,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key kept on disk, so that logins survive a restart.
    path = VAR_DIR / "dev_secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "archive",
    "timeline",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.headers.ContentSecurityPolicy",
    # Uploads keep their names as sent, so the uploader is told what was changed in them.
    "archive.vault.ReceivedNames",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers a locked-out login with AXES_LOCKOUT_TEMPLATE.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Under gunicorn, static files come from STATIC_ROOT (filled by collectstatic).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _default_db),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Take the write lock when a transaction starts and wait up to 30 s for it:
    # a transaction that reads and then writes would otherwise fail at once with
    # "database is locked" when another process writes (select_for_update does
    # nothing on SQLite).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=30, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not memory, so that a Celery worker process can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Failed logins are counted per user name and address (django-axes); after LOGIN_FAILURE_LIMIT of them
# that name cannot log in from that address for LOGIN_LOCKOUT_MINUTES, or until an administrator lifts it.
AUTHENTICATION_BACKENDS = ["archive.logins.LoginThrottle", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "archive.logins.client_address"
# How many reverse proxies in front append the client's address to X-Forwarded-For (0: none, REMOTE_ADDR counts).
FORWARDED_FOR_PROXIES = env_int("FORWARDED_FOR_PROXIES", 0, minimum=0)
LOGIN_REDIRECT_URL = "archive:case_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# The pages are in English only. Off, Django skips its translation machinery,
# which otherwise is looked up for every number and date a page shows.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Storage. Originals and derived files go through the "default" storage, so an
# S3-compatible backend (django-storages) replaces the disk by configuration.
# Stored files are never served by URL: every byte leaves through a view that
# checks case membership.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": env_str("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json_object("STORAGE_OPTIONS"),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
if STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Stored files are read-only on disk: the application never rewrites them.
    STORAGES["default"]["OPTIONS"] = {
        "location": str(MEDIA_ROOT),
        "file_permissions_mode": 0o444,
        **STORAGES["default"]["OPTIONS"],
    }

# Uploads larger than this are refused while they stream in.
EVIDENCE_MAX_UPLOAD_SIZE = env_size("EVIDENCE_MAX_UPLOAD_SIZE", "4G")
FILE_UPLOAD_HANDLERS = ["archive.vault.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or None
# The number of files one upload form may carry.
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("EVIDENCE_MAX_FILES_PER_UPLOAD", 500, minimum=1)
EVIDENCE_PAGE_SIZE = env_int("EVIDENCE_PAGE_SIZE", 50, minimum=1)
TIMELINE_PAGE_SIZE = env_int("TIMELINE_PAGE_SIZE", 50, minimum=1)
REVIEW_PAGE_SIZE = env_int("REVIEW_PAGE_SIZE", 30, minimum=1)
MEMO_MAX_ITEMS = env_int("MEMO_MAX_ITEMS", 300, minimum=1)

# Where a fact-checker looks up a headline the corpus lacks: each link searches
# for the line's text in quotes. GDELT and the news searches index articles by
# their text; the Internet Archive's search finds the pages it has kept.
HEADLINE_SEARCH_URLS = env_search_urls(
    "HEADLINE_SEARCH_URLS",
    {
        "Google News": "https://news.google.com/search?q={q}",
        "Yandex": "https://yandex.ru/search/?text={q}",
        "GDELT": "https://api.gdeltproject.org/api/v2/doc/doc?query={q}&mode=artlist&format=html",
        "Internet Archive": "https://archive.org/search?query={q}",
    },
)

# Limits that hostile or huge files meet before anything decodes them.
EVIDENCE_MAX_IMAGE_PIXELS = env_int("EVIDENCE_MAX_IMAGE_PIXELS", 100_000_000, minimum=1)
EVIDENCE_MAX_VIDEO_SECONDS = env_int("EVIDENCE_MAX_VIDEO_SECONDS", 4 * 3600, minimum=1)
EVIDENCE_MAX_VIDEO_PIXELS = env_int("EVIDENCE_MAX_VIDEO_PIXELS", 3840 * 2160, minimum=1)
EVIDENCE_MAX_PDF_PAGES = env_int("EVIDENCE_MAX_PDF_PAGES", 1000, minimum=1)
# A recording that shows more different screens than this is refused (camera footage, video playback).
EVIDENCE_MAX_KEYFRAMES = env_int("EVIDENCE_MAX_KEYFRAMES", 3000, minimum=1)
# Address space each outside program (ffmpeg, pdftoppm, ...) may map.
TOOL_MEMORY_LIMIT = env_size("TOOL_MEMORY_LIMIT", "3G")

# Networks the URL collector may reach although they are local or private
# (comma-separated CIDR blocks); empty: only public addresses.
URL_FETCH_ALLOWED_NETWORKS = env_networks("URL_FETCH_ALLOWED_NETWORKS")
# Seconds a page may take to load, and a platform to answer yt-dlp.
URL_FETCH_TIMEOUT = env_int("URL_FETCH_TIMEOUT", 45, minimum=1)

# OCR: Tesseract languages joined by "+", and where their data lives.
OCR_LANGUAGES = env_str("OCR_LANGUAGES", "eng+rus")
TESSDATA_PATH = env_str("TESSDATA_PATH", "/usr/share/tesseract-ocr/5/tessdata/")
# RapidOCR (weights inside its wheel) reads again the Latin dates and times of small text.
OCR_SECOND_ENGINE = env_bool("OCR_SECOND_ENGINE", True)
# Dates: the locales (BCP 47) whose month and weekday names are read in a case's
# text when the case names none of its own.
CASE_LOCALES = env_locales("CASE_LOCALES", ("en", "ru"))

# The JSON API (api/): API tokens, or the session of someone logged in to the pages (the browsable docs).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "api.schema.Schema",
    "EXCEPTION_HANDLER": "api.pagination.errors",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Evidence timeline API",
    "DESCRIPTION": (
        "Cases, evidence with its provenance, cues and their review, capture intervals and verdicts, key events, "
        "entities, URL collections and search. Roles are those of the pages; a case you are not a member of is 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from its PyPI package (drf-spectacular-sidecar), served by us: nothing is loaded from elsewhere.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EvidenceKindEnum": "archive.models.EvidenceKind",
        "ProcessingStatusEnum": "archive.models.ProcessingStatus",
        "CollectionStatusEnum": "archive.models.UrlCollection.Status",
        "SearchKindEnum": "archive.models.SearchKind",
        "CueKindEnum": "timeline.models.CueKind",
        "CueStatusEnum": "timeline.models.CueStatus",
        "EntityKindEnum": "timeline.models.Entity.Kind",
        "KeyEventKindEnum": "timeline.models.KeyEvent.Kind",
        "StageStatusEnum": "archive.models.StageStatus",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.error_responses"],
}

# Trusted timestamps (RFC 3161): the timestamp authority's address (none by default, so nothing is sent
# anywhere) and the PEM file of the certificates that vouch for it, against which every token is checked.
TSA_URL = env_str("TSA_URL")
TSA_CA_FILE = env_str("TSA_CA_FILE")
if TSA_URL and not TSA_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"TSA_URL={TSA_URL!r} is not an http:// or https:// address.")
if TSA_URL and not (TSA_CA_FILE and Path(TSA_CA_FILE).is_file()):
    raise ImproperlyConfigured(
        "TSA_URL is set, but TSA_CA_FILE does not name a PEM file of the authority's certificates "
        f"({TSA_CA_FILE or 'unset'}): its tokens could not be checked."
    )
# Other authorities whose tokens are trusted when they arrive in an evidence package (PEM files, comma-separated).
TSA_TRUSTED_CAS = env_list("TSA_TRUSTED_CAS")
for _path in TSA_TRUSTED_CAS:
    if not Path(_path).is_file():
        raise ImproperlyConfigured(f"TSA_TRUSTED_CAS names {_path}, which is not a file.")
TSA_TIMEOUT = env_int("TSA_TIMEOUT", 20, minimum=1)
# Seconds between rounds that stamp the custody heads that moved, and originals still without a token.
TSA_INTERVAL = env_int("TSA_INTERVAL", 3600, minimum=60)

# Celery. With no REDIS_URL, tasks run in-process (the embedded default).
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge a task only when it has finished, and put it back in the queue
# when the process running it dies (killed, out of memory): no work is lost
# with a worker. Stages are idempotent, so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A time limit is a failure of the task, not of the worker: acknowledge it so
# that a file that always times out is not redelivered forever.
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
# Each worker process takes one task at a time: heavy tasks are long, and a
# prefetched task would wait behind them while another worker sits idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Replace a worker process after this much resident memory (KiB), to contain leaks.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 1_000_000, minimum=100_000)
# Worker processes run at this lower priority (nice), so that on a machine
# that also serves the pages, reading recordings never slows down the people
# reading the site; on a machine of their own it changes nothing. 0 keeps the
# priority they were started with.
WORKER_NICENESS = env_int("WORKER_NICENESS", 10, minimum=0)
# Redis hands an unacknowledged task to another worker after this many
# seconds; it must be longer than the longest task (2 h stage limit), or a
# long task would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down; the item stays queued in
# the database and resume_processing sends it again later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
# Two queues: "heavy" (frames, OCR) for CPU-bound work, "default" for the rest.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_SEND_TASK_EVENTS = False
# Work lost in the broker is found again from the database.
PROCESSING_RESUME_INTERVAL = env_int("PROCESSING_RESUME_INTERVAL", 300, minimum=10)
# Seconds between polls of the headline sources (feeds and news sitemaps).
HEADLINE_POLL_INTERVAL = env_int("HEADLINE_POLL_INTERVAL", 3600, minimum=60)
CELERY_BEAT_SCHEDULE = {
    "resume-processing": {
        "task": "archive.tasks.resume_processing",
        "schedule": PROCESSING_RESUME_INTERVAL,
    },
    "resume-mention-scans": {
        "task": "timeline.tasks.resume_mention_scans",
        "schedule": PROCESSING_RESUME_INTERVAL,
    },
    "stamp-due": {
        "task": "archive.tasks.stamp_due",
        "schedule": TSA_INTERVAL,
    },
    "collect-headlines": {
        "task": "timeline.tasks.collect_headlines",
        "schedule": HEADLINE_POLL_INTERVAL,
    },
}

# Security. Local runs are plain HTTP; with DEBUG off everything assumes HTTPS
# (behind a proxy that sets X-Forwarded-Proto when SECURE_PROXY_SSL_HEADER=1).
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our pages: our own scripts, styles, pictures and media only, no inline script or style (config/headers.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # pymorphy3 says at INFO which dictionary it loaded, in every process that matches a headline.
    "loggers": {"pymorphy3": {"level": "WARNING"}},
}
