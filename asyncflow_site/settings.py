"""Settings: every knob is an environment variable with a safe local default."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STUDIO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
# The database, the secret key and the admin password live here: no other user
# (executable steps run as one) may look inside.
if VAR_DIR.stat().st_uid == os.geteuid():
    VAR_DIR.chmod(0o700)


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A per-checkout key, kept out of git, so local sessions survive restarts
    # without shipping a well-known key.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key_out:
            key_out.write(secrets.token_urlsafe(50))
    SECRET_KEY = key_file.read_text().strip()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "drf_spectacular_sidecar",
    "channels",
    "campaigns_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "campaigns_app.services.audit.AuditAddressMiddleware",
    "campaigns_app.api.hardening.ContentSecurityPolicyMiddleware",
    "campaigns_app.api.hardening.ApiNotFoundMiddleware",
    "campaigns_app.api.hardening.AdminLoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "asyncflow_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ASGI_APPLICATION = "asyncflow_site.asgi.application"

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'studio.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and every worker thread write at once: WAL lets readers
    # run beside the writer, IMMEDIATE takes the write lock at BEGIN (so two
    # transactions never deadlock upgrading a read lock), and the timeout
    # makes a writer wait for the lock instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
    # A file, not :memory:, so Celery workers started by the tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_studio.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login"

# --- Redis: Celery broker and channel layer ---------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Pub/sub: one PUBLISH per group however many sockets listen.  Delivery is
# at-most-once, which is fine: every event is stored first and sockets fill
# gaps from the database.
# One subscriber connection per web process carries every socket's subscriptions.  redis-py's default
# connect and read timeouts are 5 s: a burst of thousands of socket handshakes keeps daphne's loop busy
# for longer than that, and a connect that times out failed every socket waiting for it (issue 10: 0 of
# 5,000).  The web process also opens this connection at start (``events.channel_layer_warm_up``).
# Websocket handshakes authenticated at once per web process (``ws_auth.HandshakeAdmission``); more wait in order.
STUDIO_WS_HANDSHAKES_AT_ONCE = int(os.environ.get("STUDIO_WS_HANDSHAKES_AT_ONCE", "32"))
STUDIO_CHANNEL_REDIS_TIMEOUT_S = float(os.environ.get("STUDIO_CHANNEL_REDIS_TIMEOUT_S", "60"))
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_connect_timeout": STUDIO_CHANNEL_REDIS_TIMEOUT_S,
                    "socket_timeout": STUDIO_CHANNEL_REDIS_TIMEOUT_S,
                    "socket_keepalive": True,
                    "health_check_interval": 30,
                }
            ],
            "prefix": os.environ.get("STUDIO_CHANNEL_PREFIX", "asgi"),
        },
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "studio"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A step may run for hours; Redis re-delivers an unacked message after
    # this long, and the claim makes the duplicate a no-op anyway.
    "visibility_timeout": int(os.environ.get("STUDIO_VISIBILITY_TIMEOUT_S", str(12 * 3600))),
    "global_keyprefix": os.environ.get("STUDIO_CELERY_PREFIX", ""),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fix-up closes every database connection before and after
# each task unless told to reuse them: a new connection per step message
# (1-4 ms on SQLite, a TCP connect and login on PostgreSQL).  Workers keep
# them, and tidy them around each task the way Django does around a request
# (CONN_MAX_AGE, health checks: ``campaigns_app/tasks.py``).
CELERY_DB_REUSE_MAX = 10**9
CELERY_TASK_ALWAYS_EAGER = False

# --- Studio -----------------------------------------------------------------
# Dotted paths of extra step functions, comma separated.
STUDIO_STEP_FUNCTIONS = env_list("STUDIO_STEP_FUNCTIONS", "")
# Execution backends a step may name; each is a Celery queue of its own.
STUDIO_BACKENDS = env_list("STUDIO_BACKENDS", "thread")
# The radical backend: one RADICAL-Pilot per worker process (see README, "HPC backends").
STUDIO_RADICAL = {
    "resource": os.environ.get("STUDIO_RADICAL_RESOURCE", "local.localhost"),
    "cores": int(os.environ.get("STUDIO_RADICAL_CORES", "2")),
    "gpus": int(os.environ.get("STUDIO_RADICAL_GPUS", "0")),
    # Pilot wall time in minutes; a pilot that runs out is replaced for later steps.
    "runtime": int(os.environ.get("STUDIO_RADICAL_RUNTIME_MIN", "1440")),
    "project": os.environ.get("STUDIO_RADICAL_PROJECT", ""),
    "queue": os.environ.get("STUDIO_RADICAL_QUEUE", ""),
    "access_schema": os.environ.get("STUDIO_RADICAL_ACCESS_SCHEMA", ""),
    # How long a starting worker waits for its pilot to become active (0: do not wait;
    # steps then show the time they wait for the pilot as TMGR_SCHEDULING).
    "pilot_wait_s": float(os.environ.get("STUDIO_RADICAL_PILOT_WAIT_S", "300")),
    "retry_after_s": float(os.environ.get("STUDIO_RADICAL_RETRY_AFTER_S", "60")),
}
# The dask backend: a scheduler address (tcp://host:8786), or a LocalCluster in the worker when empty.
STUDIO_DASK = {
    "scheduler": os.environ.get("STUDIO_DASK_SCHEDULER", ""),
    "connect_timeout_s": float(os.environ.get("STUDIO_DASK_CONNECT_TIMEOUT_S", "10")),
    "local_workers": int(os.environ.get("STUDIO_DASK_LOCAL_WORKERS", "1")),
    "threads_per_worker": int(os.environ.get("STUDIO_DASK_THREADS_PER_WORKER", "4")),
    "retry_after_s": float(os.environ.get("STUDIO_DASK_RETRY_AFTER_S", "15")),
}
STUDIO_MAX_RESULT_BYTES = int(os.environ.get("STUDIO_MAX_RESULT_BYTES", str(1024 * 1024)))
# Results up to this size travel inside websocket events; bigger ones are
# fetched from the run detail.
STUDIO_EVENT_RESULT_BYTES = int(os.environ.get("STUDIO_EVENT_RESULT_BYTES", "16384"))
# Audit entries take the client address from X-Forwarded-For only behind a proxy that sets it.
STUDIO_TRUST_X_FORWARDED_FOR = env_bool("STUDIO_TRUST_X_FORWARDED_FOR", False)
# Each POST /api/auth/token/ hands out a new login token (only its hash is
# stored); a user's older ones beyond this many are revoked.
STUDIO_LOGIN_TOKENS_KEPT = int(os.environ.get("STUDIO_LOGIN_TOKENS_KEPT", "20"))

# Execution controls.
STUDIO_LOG_MAX_BYTES = int(os.environ.get("STUDIO_LOG_MAX_BYTES", str(1024 * 1024)))  # per step attempt
STUDIO_KILL_GRACE_S = float(os.environ.get("STUDIO_KILL_GRACE_S", "5"))  # SIGTERM → SIGKILL
# Executable steps (campaigns_app/backends/sandbox): each attempt in a fresh folder under this root, outside
# VAR_DIR, with a scrubbed environment, resource limits, as STUDIO_STEP_USER (root workers: nobody when unset)
# and inside bubblewrap when STUDIO_STEP_SANDBOX allows.
STUDIO_STEP_WORKDIR_ROOT = Path(os.environ.get("STUDIO_STEP_WORKDIR_ROOT", VAR_DIR.parent / f"{VAR_DIR.name}-steps"))
STUDIO_STEP_USER = os.environ.get("STUDIO_STEP_USER")  # None: nobody under a root worker, else the worker's user
STUDIO_STEP_SANDBOX = os.environ.get("STUDIO_STEP_SANDBOX", "auto").strip().lower()  # auto | bwrap | none
STUDIO_STEP_ENV_ALLOW_UNSAFE = env_bool("STUDIO_STEP_ENV_ALLOW_UNSAFE", False)  # PATH, LD_*, PYTHON* in env
STUDIO_STEP_CPU_S = int(os.environ.get("STUDIO_STEP_CPU_S", "3600"))  # without a walltime or timeout
STUDIO_STEP_MEMORY_MB = int(os.environ.get("STUDIO_STEP_MEMORY_MB", "4096"))  # address space, per process
STUDIO_STEP_OPEN_FILES = int(os.environ.get("STUDIO_STEP_OPEN_FILES", "1024"))
STUDIO_STEP_PROCESSES = int(os.environ.get("STUDIO_STEP_PROCESSES", "512"))  # per step user
STUDIO_STEP_KEEP_WORKDIRS = env_bool("STUDIO_STEP_KEEP_WORKDIRS", False)
STUDIO_RETRY_DELAY_CAP_S = float(os.environ.get("STUDIO_RETRY_DELAY_CAP_S", "3600"))
# "backend=N,..." steps of one backend running at once in one worker process.
STUDIO_BACKEND_CONCURRENCY = {
    name.strip(): int(limit)
    for name, _, limit in (item.partition("=") for item in env_list("STUDIO_BACKEND_CONCURRENCY", "thread=64"))
}
# Crash recovery: a running step whose worker has not heartbeaten for STALE
# seconds is queued again; a queued step whose message is REDISPATCH_AFTER
# seconds overdue is sent again.  Defaults recover a killed worker's steps
# within STALE + SWEEP = 40 s.
STUDIO_WATCHDOG_TICK_S = float(os.environ.get("STUDIO_WATCHDOG_TICK_S", "0.5"))
STUDIO_HEARTBEAT_INTERVAL_S = float(os.environ.get("STUDIO_HEARTBEAT_INTERVAL_S", "5"))
STUDIO_HEARTBEAT_STALE_S = float(os.environ.get("STUDIO_HEARTBEAT_STALE_S", "30"))
STUDIO_SWEEP_INTERVAL_S = float(os.environ.get("STUDIO_SWEEP_INTERVAL_S", "10"))
STUDIO_REDISPATCH_AFTER_S = float(os.environ.get("STUDIO_REDISPATCH_AFTER_S", "30"))
STUDIO_MAX_RECLAIMS = int(os.environ.get("STUDIO_MAX_RECLAIMS", "3"))
# Group commit: at most this many step starts and ends of one process in one transaction (0: one each).
STUDIO_COMMIT_BATCH = int(os.environ.get("STUDIO_COMMIT_BATCH", "256"))
# A step end of a run with at most this many steps reads all of them (in the group's one read), so the
# run's end is decided in memory instead of by two more queries; 0 reads only the step's neighbourhood.
STUDIO_WHOLE_RUN_STEPS = int(os.environ.get("STUDIO_WHOLE_RUN_STEPS", "64"))
# Ready steps of one backend sent in one Celery message at most (a launch's root steps); 1: one message each.
STUDIO_DISPATCH_BATCH = int(os.environ.get("STUDIO_DISPATCH_BATCH", "16"))
# Instances per batch launch request.
STUDIO_MAX_INSTANCES = int(os.environ.get("STUDIO_MAX_INSTANCES", "10000"))

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes missing or bad credentials a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "campaigns_app.api.authentication.StudioTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "campaigns_app.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "campaigns_app.api.schema.StudioAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "campaigns_app.api.pagination.StudioPagination",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "campaigns_app.api.errors.exception_handler",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AsyncFlow Studio API",
    "DESCRIPTION": "Design campaigns of dependent steps, launch runs and follow their events.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Request and response shapes apart, so a response field with a default is still marked required.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this server's static files: HPC sites are often air-gapped, and no page may reach another host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "campaigns_app.models.Role",
        "VisibilityEnum": "campaigns_app.models.Visibility",
        "RunStateEnum": "campaigns_app.models.RunState",
        "StepStateEnum": "campaigns_app.models.StepState",
        "RunKindEnum": "campaigns_app.models.RunKind",
        "TokenKindEnum": "campaigns_app.models.TokenKind",
    },
    # Graph documents and websocket messages, typed in Python, published as components.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "campaigns_app.api.schema.shapes_postprocess",
    ],
}

# --- Limits and web hardening -------------------------------------------------------
# A request's body past this answers 413 naming the setting, before the body is read on (``asgi.py``).
STUDIO_MAX_BODY_BYTES = int(os.environ.get("STUDIO_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = STUDIO_MAX_BODY_BYTES
# Steps of one campaign; one step's kwargs, argv or env as JSON; nesting of JSON bodies and definitions.
STUDIO_MAX_STEPS = int(os.environ.get("STUDIO_MAX_STEPS", "50000"))
STUDIO_MAX_KWARGS_BYTES = int(os.environ.get("STUDIO_MAX_KWARGS_BYTES", "65536"))
STUDIO_MAX_JSON_DEPTH = int(os.environ.get("STUDIO_MAX_JSON_DEPTH", "32"))
# A campaign file sent to /api/campaigns/import/ (YAML parses at about 1 MB/s).
STUDIO_MAX_DOCUMENT_BYTES = int(os.environ.get("STUDIO_MAX_DOCUMENT_BYTES", str(2 * 1024 * 1024)))
# Threads that run HTTP requests in one web process: a slow request holds one, not the server.
STUDIO_WEB_THREADS = int(os.environ.get("STUDIO_WEB_THREADS", "8"))
# Runs with more steps than this answer their detail with a page of steps (``?steps=all`` for every one).
STUDIO_RUN_DETAIL_STEPS = int(os.environ.get("STUDIO_RUN_DETAIL_STEPS", "1000"))

# Failed logins counted per client address and per username, in Redis so every web process shares them;
# past the rate a login path answers 429 with Retry-After.  Successful logins are not counted.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("STUDIO_CACHE_PREFIX", "studio"),
        "TIMEOUT": 300,
    }
}
STUDIO_LOGIN_FAILURES_PER_ADDRESS = os.environ.get("STUDIO_LOGIN_FAILURES_PER_ADDRESS", "30/min")
STUDIO_LOGIN_FAILURES_PER_USERNAME = os.environ.get("STUDIO_LOGIN_FAILURES_PER_USERNAME", "10/min")

# Content Security Policy of every response; the SPA and Swagger UI load only from this origin.
STUDIO_CSP = os.environ.get(
    "STUDIO_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'",
)
# HTTPS behind a proxy (README, "HTTPS"): on in docker-compose, off for `make run` on plain http.
SESSION_COOKIE_SECURE = env_bool("STUDIO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("STUDIO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("STUDIO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("STUDIO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("STUDIO_HSTS_PRELOAD", False)
if env_bool("STUDIO_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Throttles identify a client by its address; behind a proxy that sets X-Forwarded-For, by the proxy's entry.
REST_FRAMEWORK["NUM_PROXIES"] = 1 if STUDIO_TRUST_X_FORWARDED_FOR else 0
# Checks an operator decided about (e.g. security.W021: HSTS preload is a commitment to browsers' lists).
SILENCED_SYSTEM_CHECKS = env_list("STUDIO_SILENCED_CHECKS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}

# Campaigns of workflows: how deep workflow steps may nest, and how many items one for_each may have.
STUDIO_MAX_WORKFLOW_DEPTH = int(os.environ.get("STUDIO_MAX_WORKFLOW_DEPTH", "8"))
STUDIO_MAX_FOR_EACH_ITEMS = int(os.environ.get("STUDIO_MAX_FOR_EACH_ITEMS", "10000"))
