"""Django settings for Sprechstunde, read from the environment with an embedded default.

With DEBUG=true and nothing else (`make run`) the system runs on SQLite, the in-memory channel
layer, console providers and the database task backend; DEBUG is off unless set. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; see deploy/.env.example.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    """Read a yes/no setting; a value that is neither is a configuration error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


# Off unless asked for: `make run` and the tests turn it on; production never guesses.
DEBUG = envbool("DEBUG", False)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Fonts for the invitation letters (PDF): DejaVu Sans covers Latin, Turkish, Cyrillic and Arabic.
LETTER_FONT_DIR = os.environ.get("LETTER_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Fonts for the scripts DejaVu lacks (Ge'ez, for Tigrinya): Debian's fonts-sil-abyssinica.
LETTER_FALLBACK_FONTS = envlist(
    "LETTER_FALLBACK_FONTS", ["/usr/share/fonts/truetype/abyssinica/AbyssinicaSIL-Regular.ttf"]
)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks_db",
    "appointments",
    "realtime",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backend.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "backend.middleware.QueryStringLimitMiddleware",  # after the locale: its 414 is in the user's language
    "backend.middleware.DomainErrorMiddleware",  # after the locale: its pages are in the user's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "frontend.accounts.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

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
                "frontend.context_processors.staff",
            ],
        },
    },
]

# SQLite by default; IMMEDIATE transactions serialise writers, so the booking
# service's own overlap check is race-free there (PostgreSQL has a constraint).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=envint("CONN_MAX_AGE", 0)
    )
}
# PostgreSQL in production: a pool of DB_POOL_SIZE connections per process (deploy/ sets 10).
# Under ASGI each request runs in a thread of its own, and CONN_MAX_AGE keeps a connection per
# thread, so without a pool every request opened one, and left it open for CONN_MAX_AGE.
DB_POOL_SIZE = envint("DB_POOL_SIZE", 0)
if DB_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
        "timeout": envint("DB_POOL_TIMEOUT", 10),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Free times the public pages show are cached this long at most, and dropped at every change
# (appointments/services/slot_cache.py); only with a cache all processes share.
SLOT_CACHE_SECONDS = envint("SLOT_CACHE_SECONDS", 60 if REDIS_URL else 0)
# "pubsub" (the default): channels-redis's pub/sub layer publishes a group event once and each
# process hands it to its own members; "lists": its list layer, one Redis message per member, each
# popped by the receiving process. tests/bench/bench_websockets.py measures both side by side
# (README, "Benchmarks"): pub/sub reached 2,000 dashboards in less than half the time.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
# The list layer keeps one Redis list per web process, capped at `capacity` messages (default 100),
# and silently drops a group message beyond that: an event to 2,000 dashboards on one process needs more.
CHANNEL_LAYER_CAPACITY = envint("CHANNEL_LAYER_CAPACITY", 10_000)
CHANNEL_LAYER_REDIS_CONNECTIONS = envint("CHANNEL_LAYER_REDIS_CONNECTIONS", 2000)
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "lists": "channels_redis.core.RedisChannelLayer",
}


def redis_channel_layer(url: str, kind: str = CHANNEL_LAYER) -> dict:
    """channels-redis (`kind` names the layer) with room for big groups, and redis-py 8's new defaults undone.

    redis-py 8 reads with a 5 s socket time-out, the same as channels-redis's BZPOPMIN wait, so an
    idle process's receive loop raises TimeoutError and the server closes a websocket (1011) every few
    seconds; and its pool refuses a 101st connection ("Too many connections"), so a burst of
    connects or disconnects fails group_add/group_discard. tests/realtime/test_multiprocess.py
    and tests/bench/bench_websockets.py show both.
    """
    host = {"address": url, "socket_timeout": 15, "max_connections": CHANNEL_LAYER_REDIS_CONNECTIONS}
    if kind == "lists":
        config = {"hosts": [host], "capacity": CHANNEL_LAYER_CAPACITY}
    else:  # Redis pub/sub ignores the database number: the prefix keeps databases' groups apart
        database = urlsplit(url).path.strip("/") or "0"
        config = {"hosts": [host], "prefix": f"asgi.db{database}."}
    return {"BACKEND": CHANNEL_LAYER_BACKENDS[kind], "CONFIG": config}


if REDIS_URL:
    CACHES = {"default": {"BACKEND": "backend.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
# Right to left: Django's own list, and Dari and Pashto, which Django has no locale of.
LANGUAGES_BIDI = [*global_settings.LANGUAGES_BIDI, "prs", "ps"]
LANGUAGES = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("fa", "فارسی"),
    ("prs", "دری"),
    ("ps", "پښتو"),
    ("kmr", "Kurmancî"),
    ("ti", "ትግርኛ"),
    ("so", "Soomaali"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("bg", "Български"),
    # Leichte Sprache (easy German): a private-use BCP 47 tag, so screen readers still speak German.
    # Its catalogue is frontend/locale/de_X-ls (Django's to_locale); what it lacks comes from German.
    ("de-x-ls", "Leichte Sprache"),
]
# Languages Django does not know or names otherwise (django.conf.locale.LANG_INFO); frontend.apps adds them.
EXTRA_LANG_INFO = {
    "prs": {"bidi": True, "code": "prs", "name": "Dari", "name_local": "دری"},
    "ps": {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"},
    "kmr": {"bidi": False, "code": "kmr", "name": "Kurmanji Kurdish", "name_local": "Kurmancî"},
    "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
    "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
    # Django names these in lower case; a menu of languages starts each with a capital.
    "pl": {"bidi": False, "code": "pl", "name": "Polish", "name_local": "Polski"},
    "bg": {"bidi": False, "code": "bg", "name": "Bulgarian", "name_local": "Български"},
    "de-x-ls": {"bidi": False, "code": "de-x-ls", "name": "Easy German", "name_local": "Leichte Sprache"},
}
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Staff login: argon2 hashes, lockout after repeated failures (django-axes),
# an optional TOTP second factor (django-otp), and sessions that end when idle.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The local password login, for offices without single sign-on and for freelance interpreters;
# LOCAL_LOGIN=false leaves only the job centre's own accounts (OIDC below).
LOCAL_LOGIN = envbool("LOCAL_LOGIN", True)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if LOCAL_LOGIN else []),
    "frontend.sso.StaffSignIn",
]

# Single sign-on for staff with OpenID Connect (mozilla-django-oidc), off while OIDC_ISSUER is
# empty. The provider's endpoints come from its discovery document; roles and office from a
# group claim: OIDC_ROLE_MAP="jc-musterstadt-fachkraft=caseworker@musterstadt,
# jc-musterstadt-koordination=coordinator@musterstadt,dolmetschpool=interpreter".
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
# Caseworkers' own calendars (ICS addresses, CalDAV): how often the message worker reads them, how
# long it waits for one, and for how long a round of reads may hold the worker (the rest wait a minute).
OWN_CALENDAR_READ_MINUTES = envint("OWN_CALENDAR_READ_MINUTES", 5)
OWN_CALENDAR_TIMEOUT_SECONDS = envint("OWN_CALENDAR_TIMEOUT_SECONDS", 10)
OWN_CALENDAR_ROUND_SECONDS = envint("OWN_CALENDAR_ROUND_SECONDS", 20)
# Addresses are https and on public networks only; the demo's calendar is served over http by
# localhost, so DEBUG allows both (services/own_calendars.check_address).
OWN_CALENDAR_ALLOW_HTTP = envbool("OWN_CALENDAR_ALLOW_HTTP", DEBUG)
OWN_CALENDAR_ALLOWED_HOSTS = envlist(
    "OWN_CALENDAR_ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else []
)
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = envsecret("OIDC_CLIENT_SECRET")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email groups")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "groups")
OIDC_NAME_CLAIM = os.environ.get("OIDC_NAME_CLAIM", "name")
OIDC_EMAIL_CLAIM = os.environ.get("OIDC_EMAIL_CLAIM", "email")
OIDC_ROLE_MAP = dict(item.split("=", 1) for item in envlist("OIDC_ROLE_MAP", []) if "=" in item)
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_SECONDS", 10)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's logout (id_token_hint); never logged
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
LOGIN_REDIRECT_URL_FAILURE = "/konto/login/"
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
# One person mistyping does not lock out a colleague on the same office network, and a
# guesser cannot lock a user out from everywhere: the pair is what gets locked.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout ends a fixed time after the last failure; attempts while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "frontend.accounts.locked_out"  # a translated page, status 429
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # not kept in the attempt records
AXES_IPWARE_PROXY_COUNT = envint("NUM_PROXIES", 0) or None
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Sprechstunde")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "appointments.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "booking": os.environ.get("THROTTLE_BOOKING", "30/hour"),
        "verification": os.environ.get("THROTTLE_VERIFICATION", "10/hour"),
        "slots": os.environ.get("THROTTLE_SLOTS", "600/hour"),
        "manage": os.environ.get("THROTTLE_MANAGE", "120/hour"),
        # The booking pages and the API count alike (appointments/services/limits.py): SMS codes
        # per browser session, and bookings per address a day (generous: many phones share an IPv4).
        "code-session": os.environ.get("THROTTLE_CODE_SESSION", "5/hour"),
        "booking-day": os.environ.get("THROTTLE_BOOKING_DAY", "60/day"),
        # Finding a booking by code and number: attempts per number a day, matching or not.
        "find-number": os.environ.get("THROTTLE_FIND_NUMBER", "10/day"),
        # Twilio's webhooks (appointments/throttles.py): generous, Twilio calls back in bursts.
        "webhook": os.environ.get("THROTTLE_WEBHOOK", "600/minute"),
        # Invitation codes typed at /e/ (frontend/public/invitations.py), per address.
        "invitation_code": os.environ.get("THROTTLE_INVITATION_CODE", "20/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of us (nginx: 1): throttles then count the client's address, not one
    # that a client could forge in X-Forwarded-For. 0 uses the peer address as it is.
    "NUM_PROXIES": envint("NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sprechstunde API",
    "DESCRIPTION": "Book telephone and video consultations with the job centre.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Outgoing messages go through pluggable back ends, like Django's e-mail back ends.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "appointments.providers.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = envsecret("TWILIO_AUTH_TOKEN")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_TIMEOUT_SECONDS = envint("TWILIO_TIMEOUT_SECONDS", 10)
# Only for tests against a local fake of Twilio's REST API.
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "")
# The console back ends keep what they "send" here for the /dev/outbox/ page (DEBUG only).
OUTBOX_DIR = os.environ.get("OUTBOX_DIR", str(BASE_DIR / "var" / "outbox") if DEBUG else "")
# Django 6.1's MAILERS replaces EMAIL_BACKEND; the SMTP back end takes its OPTIONS from here.
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "appointments.providers.mail.OutboxEmailBackend")
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": envint("EMAIL_PORT", 587),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": envsecret("EMAIL_HOST_PASSWORD"),
            "use_tls": envbool("EMAIL_USE_TLS", True),
            "timeout": envint("EMAIL_TIMEOUT_SECONDS", 10),
        }
        if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "termine@sprechstunde.invalid")

# Phone verification: the code's life, its attempts and how often one number may ask.
PHONE_CODE_TTL_SECONDS = envint("PHONE_CODE_TTL_SECONDS", 600)
PHONE_CODE_MAX_ATTEMPTS = envint("PHONE_CODE_MAX_ATTEMPTS", 5)
PHONE_CODE_RESEND_SECONDS = envint("PHONE_CODE_RESEND_SECONDS", 60)
PHONE_VERIFICATION_TOKEN_TTL_SECONDS = envint("PHONE_VERIFICATION_TOKEN_TTL_SECONDS", 1800)
PHONE_CODES_PER_DAY = envint("PHONE_CODES_PER_DAY", 10)
# Codes a day that name no office (API calls without a topic); each office has its own budget.
SMS_CODES_PER_DAY = envint("SMS_CODES_PER_DAY", 500)
# Finding a booking by code and number: wrong SMS codes before it is locked, and for how long.
FIND_MAX_WRONG_CODES = envint("FIND_MAX_WRONG_CODES", 10)
FIND_LOCK_HOURS = envint("FIND_LOCK_HOURS", 24)

# Behind a TLS-terminating proxy in production (deploy/).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Request limits: the API's JSON and every form are small (a few KB; 413 above this, nginx allows
# 1 MB), and a query string beyond MAX_QUERY_STRING_LENGTH is a 414 (backend/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
MAX_QUERY_STRING_LENGTH = envint("MAX_QUERY_STRING_LENGTH", 4096)

# Content-Security-Policy (django-csp): our own scripts and styles only, no inline code;
# websockets and media streams for the calls; nothing may frame us.
# The calls' websockets go to our own host: 'self' covers wss: in current browsers, the name is for
# older Safari. WebRTC's STUN/TURN traffic is not subject to CSP.
CALL_WEBSOCKETS = ["ws:", "wss:"] if DEBUG else [f"wss://{urlsplit(SITE_URL).netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *CALL_WEBSOCKETS],
        "media-src": ["'self'", "blob:", "mediastream:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        # A logout form's redirect to the provider's end of session counts as the form's target.
        "form-action": [
            "'self'",
            *([f"{urlsplit(OIDC_ISSUER).scheme}://{urlsplit(OIDC_ISSUER).netloc}"] if OIDC_ISSUER else []),
        ],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The twilio client logs every request's URL and headers at INFO; django-axes every login;
    # fontTools every glyph of every letter's font subset.
    "loggers": {
        "twilio": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Calls and video
# ICE servers for the browser; TURN credentials are signed with coturn's REST secret, issued only
# inside the call window and valid until it closes, one username per participant.
STUN_URLS = envlist("STUN_URLS", [])
TURN_URLS = envlist("TURN_URLS", [])
TURN_SECRET = envsecret("TURN_SECRET")
# "builtin" is peer-to-peer WebRTC (mesh, up to 3 people); "janus" adds Janus' videoroom (an SFU)
# for group calls (deploy/janus/, appointments/services/janus.py).
VIDEO_BACKEND = os.environ.get("VIDEO_BACKEND", "builtin")
# Janus' HTTP API as our server reaches it (loopback or a private network), and as browsers reach it
# (nginx proxies /janus/ to the public API only). Both secrets stay on the server: browsers get
# tokens signed with JANUS_TOKEN_SECRET, and only JANUS_ROOM_ADMIN_KEY can create rooms.
JANUS_URL = os.environ.get("JANUS_URL", "http://127.0.0.1:8088/janus")
JANUS_PUBLIC_URL = os.environ.get("JANUS_PUBLIC_URL", "/janus")
JANUS_TOKEN_SECRET = envsecret("JANUS_TOKEN_SECRET")
JANUS_ROOM_ADMIN_KEY = envsecret("JANUS_ROOM_ADMIN_KEY")
# Bits per second each participant may send: low, for phones on mobile data and a 2-core server.
JANUS_BITRATE = envint("JANUS_BITRATE", 256_000)
VOICE_BACKEND = os.environ.get("VOICE_BACKEND", "appointments.providers.voice.ConsoleBackend")
# The caller id shown on outgoing conference calls (a number of the office, never a person's).
TWILIO_VOICE_FROM = os.environ.get("TWILIO_VOICE_FROM", "")
# How long before the start a client may enter the waiting room, and how long after the end.
CALL_OPENS_MINUTES_BEFORE = envint("CALL_OPENS_MINUTES_BEFORE", 10)
CALL_CLOSES_MINUTES_AFTER = envint("CALL_CLOSES_MINUTES_AFTER", 60)
# A call socket that has not sent a valid join by then is closed (an idle socket costs a process).
CALL_JOIN_TIMEOUT_SECONDS = envint("CALL_JOIN_TIMEOUT_SECONDS", 10)
# The largest websocket message the web server reads (the deploy files pass it to uvicorn as
# --ws-max-size). The call protocol's own frame limit (realtime/protocol.py, 32 KiB) sits below
# it, so a frame in between gets a clear error frame, and anything larger is cut off unread.
WEBSOCKET_MAX_MESSAGE_SIZE = 64 * 1024
# Calling codes ("+49", the "+" optional) that SMS and outgoing calls may reach (an office may add
# more); SMS pumping and toll fraud go to far-away premium ranges. Read through
# appointments.services.phones.allowed_calling_codes, the one place that decides.
ALLOWED_CALLING_CODES = envlist("ALLOWED_CALLING_CODES", ["+49"])
# "relay" forces every call through TURN (a privacy option, and how the relay test proves TURN works).
ICE_TRANSPORT_POLICY = os.environ.get("ICE_TRANSPORT_POLICY", "all")
if ICE_TRANSPORT_POLICY not in {"all", "relay"}:
    raise ImproperlyConfigured(f"ICE_TRANSPORT_POLICY must be all or relay, not {ICE_TRANSPORT_POLICY!r}")
