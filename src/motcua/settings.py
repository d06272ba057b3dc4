"""One environment-driven settings module.

Every knob an operator may turn is read from the environment here and nowhere else.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("MOTCUA_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", PROJECT_DIR / "var"))
# The embedded SQLite file and collected static files live here; create it so a fresh clone just runs.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, low: int, high: int) -> int:
    """An integer knob; a bad value stops every command with one line (motcua.manage), not a traceback."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ImproperlyConfigured(f"{name} phải là số nguyên từ {low} đến {high}, nhận được {raw!r}.")
    return value


RATE_UNITS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def env_rates(name: str, default: str) -> list[tuple[int, int]]:
    """'10/minute,30/hour' -> [(10, 60), (30, 3600)]: at most N in each window. A bad value stops the start."""
    rates = []
    for part in os.environ.get(name, default).split(","):
        count, _, unit = part.strip().partition("/")
        if not (count.isdigit() and int(count) > 0 and unit.strip() in RATE_UNITS):
            raise ImproperlyConfigured(
                f"{name} phải là các giới hạn như 10/minute,30/hour,20/day; nhận được {part.strip()!r}."
            )
        rates.append((int(count), RATE_UNITS[unit.strip()]))
    return rates


def database_from_url(url: str) -> dict:
    """Translate DATABASE_URL (sqlite:///path or postgres://user@host:port/name) into Django's dict."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 0 if env_bool("MOTCUA_DB_POOL", False) else 600,
            "OPTIONS": {"pool": True} if env_bool("MOTCUA_DB_POOL", False) else {},
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            path = parsed.netloc + path
        return sqlite_database(Path(path) if path else VAR_DIR / "motcua.sqlite3")
    raise ImproperlyConfigured(
        f"DATABASE_URL has an unsupported scheme: {parsed.scheme!r} (use sqlite:// or postgres://)"
    )


def email_from_url(url: str, *, debug: bool) -> dict:
    """MOTCUA_EMAIL_URL -> Django's e-mail settings: smtp+starttls://user:password@host:587 (STARTTLS),
    smtps://...:465 (TLS from the start), smtp://host:25 (no encryption: only to this machine or in debug,
    since notices carry personal data), file:///path (one file per message), console: (standard output)."""
    parsed = urlparse(url)
    if not url:
        return {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    if parsed.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "FILE_PATH": unquote(parsed.path),
        }
    if parsed.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    ports = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
    if parsed.scheme not in ports or not parsed.hostname:
        raise ImproperlyConfigured(
            "MOTCUA_EMAIL_URL phải có dạng smtp+starttls://user:password@host:587, smtps://..., "
            f"smtp://localhost, file:///thu-muc hoặc console:; nhận được lược đồ {parsed.scheme!r}."
        )
    if parsed.scheme == "smtp" and not debug and parsed.hostname not in {"localhost", "127.0.0.1", "::1"}:
        raise ImproperlyConfigured(
            "MOTCUA_EMAIL_URL: máy chủ thư ở máy khác phải dùng smtp+starttls:// hoặc smtps:// "
            "(thư chứa dữ liệu cá nhân)."
        )
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "HOST": parsed.hostname,
        "PORT": parsed.port or ports[parsed.scheme],
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "USE_TLS": parsed.scheme == "smtp+starttls",
        "USE_SSL": parsed.scheme == "smtps",
    }


def sqlite_database(path: Path) -> dict:
    # WAL + synchronous=NORMAL: 21x the commit rate of the default journal (stack.md §4.2);
    # IMMEDIATE transactions make writers queue on the busy timeout instead of failing on upgrade.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        },
        "TEST": {"NAME": os.environ.get("MOTCUA_TEST_SQLITE") or None},
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else sqlite_database(VAR_DIR / "motcua.sqlite3")
}

# --- Production mode (README "Production", docs/adr/0007) -------------------------------------------------------
# One explicit switch, so that forgetting a variable can never silently leave a public server in development mode:
# MOTCUA_ENV=production refuses to start without a real SECRET_KEY and the proxy's TLS header, and turns on
# HTTPS-only behaviour. Development (`make demo`, the tests) needs none of these variables.
MOTCUA_ENV = os.environ.get("MOTCUA_ENV", "development").strip().lower() or "development"
if MOTCUA_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"MOTCUA_ENV phải là 'development' hoặc 'production', nhận được {MOTCUA_ENV!r}."
    )
PRODUCTION = MOTCUA_ENV == "production"
DEV_SECRET_KEY = "insecure-dev-key-set-SECRET_KEY-in-production"
GENERATE_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"

DEBUG = env_bool("MOTCUA_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEV_SECRET_KEY
if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            f"MOTCUA_ENV=production cần SECRET_KEY riêng (không dùng khóa mặc định), tạo bằng: {GENERATE_KEY_HINT}"
        )
    # Django's own deploy check (security.W009) asks for this much; refuse rather than warn.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY quá ngắn hoặc quá đơn giản (cần ít nhất 50 ký tự ngẫu nhiên), tạo bằng: {GENERATE_KEY_HINT}"
        )
    if DEBUG:
        raise ImproperlyConfigured(
            "MOTCUA_DEBUG phải tắt khi MOTCUA_ENV=production (trang lỗi gỡ rối lộ cấu hình)."
        )
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` -> ("HTTP_X_FORWARDED_PROTO", "https"): the header the TLS proxy sets (and strips)."""
    if not raw:
        return None
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,63}", raw):
        raise ImproperlyConfigured(
            f"MOTCUA_PROXY_SSL_HEADER phải là tên một HTTP header, ví dụ X-Forwarded-Proto; nhận được {raw!r}."
        )
    return ("HTTP_" + raw.upper().replace("-", "_"), "https")


# granian speaks plain HTTP behind the TLS-terminating proxy: Django learns a request was HTTPS only from the
# header the proxy sets. Trust it only if the proxy overwrites any value a client sent (README "Production").
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("MOTCUA_PROXY_SSL_HEADER", "").strip())
if PRODUCTION and SECURE_PROXY_SSL_HEADER is None:
    raise ImproperlyConfigured(
        "MOTCUA_ENV=production cần MOTCUA_PROXY_SSL_HEADER (header mà proxy TLS đặt, thường là X-Forwarded-Proto)."
    )
SECURE_SSL_REDIRECT = PRODUCTION
SECURE_HSTS_SECONDS = env_int("MOTCUA_HSTS_SECONDS", 31_536_000, 0, 63_072_000) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MOTCUA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("MOTCUA_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# Nothing reads the CSRF cookie from JavaScript: forms and Swagger UI take the token from the page.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preload is a domain owner's enrolment in the browsers' built-in list (hard to undo, and for a whole registrable
# domain), not a per-server switch: off unless the operator turns it on, and the deploy check's reminder is off too.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content Security Policy (django-csp; Django 6.0 has it built in). Every page, the admin and /api/v1/docs load
# their scripts, styles, fonts and images from this site's own static files: nothing from another host, no inline
# script. `data:` images are the icons inside Swagger UI's and the admin's CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if PRODUCTION else {}),
    }
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    # Swagger UI for /api/v1/docs from ninja's bundled static files instead of a CDN (ninja.openapi.docs).
    "ninja",
    "motcua.core",
    "motcua.directory",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.integrations",
    "motcua.integrations.dvcqg",
    "motcua.integrations.population",
    "motcua.payments",
    "motcua.notifications",
    "motcua.access",
    # The admin after motcua.access, whose admin/ templates then take precedence over the stock ones (ADR 0014).
    "motcua.access.apps.AdminConfig",
    "motcua.documents",
    "motcua.api",
    "motcua.portal",
    "motcua.online",
    "motcua.workspace",
    "django_htmx",
    "motcua.demo",
    "motcua.access.apps.AxesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "motcua.core.csp.DocumentCSPMiddleware",
    "motcua.access.edge.ApiEdgeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "motcua.access.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a sign-in refused by the throttle into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dd/mm/yyyy and HH:MM dd/mm/yyyy wherever Django formats a date itself (the admin): core/formats/vi.
FORMAT_MODULE_PATH = ["motcua.core.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MOTCUA_MEDIA_ROOT", VAR_DIR / "media"))
# Dossier files (citizens' papers): never under MEDIA_URL, served only through the permission-checked API.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("MOTCUA_PRIVATE_ROOT", VAR_DIR / "private"))
DOSSIER_FILE_MAX_BYTES = int(os.environ.get("MOTCUA_DOSSIER_FILE_MAX_MB", "20")) * 1024 * 1024
DOSSIER_MAX_FILES = 100


def private_storage_setting(env=os.environ) -> dict:
    """The `private` entry of STORAGES (motcua.core.storage): the local disk, or an S3-compatible store."""
    kind = env.get("MOTCUA_PRIVATE_STORAGE", "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "motcua.core.storage.LocalPrivateStorage"}
    if kind == "s3":
        options = {
            "bucket_name": env.get("MOTCUA_S3_BUCKET", ""),
            "endpoint_url": env.get("MOTCUA_S3_ENDPOINT_URL") or None,
            "region_name": env.get("MOTCUA_S3_REGION") or None,
            "access_key": env.get("MOTCUA_S3_ACCESS_KEY") or None,
            "secret_key": env.get("MOTCUA_S3_SECRET_KEY") or None,
            "location": env.get("MOTCUA_S3_PREFIX", "private"),
            # Never public: no ACL, no guessable overwrite, and links only ever signed and short-lived.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
        }
        if not options["bucket_name"]:
            raise ImproperlyConfigured("MOTCUA_PRIVATE_STORAGE=s3 cần MOTCUA_S3_BUCKET (tên bucket).")
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    raise ImproperlyConfigured(f"MOTCUA_PRIVATE_STORAGE phải là 'local' hoặc 's3'; nhận được {kind!r}.")


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Citizens' papers and signed results (motcua.core.storage): local disk, or MOTCUA_PRIVATE_STORAGE=s3.
    "private": private_storage_setting(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour now: bare URLs in forms mean https
LOGIN_URL = "/dang-nhap/"
# Sign-in with VNeID (contract §9): the button shows only when a provider is configured.
OIDC_ISSUER = os.environ.get("MOTCUA_OIDC_ISSUER", "").rstrip("/")
OIDC_CLIENT_ID = os.environ.get("MOTCUA_OIDC_CLIENT_ID", "motcua")
OIDC_CLIENT_SECRET = os.environ.get("MOTCUA_OIDC_CLIENT_SECRET", "")
OIDC_ID_CLAIM = os.environ.get("MOTCUA_OIDC_ID_CLAIM", "sub")

# Throttles (ADR 0008, motcua.access.throttle). The client is REMOTE_ADDR, or, only when a trusted reverse
# proxy is named here, the address it writes into this header (read from the right, CLIENT_IP_PROXIES hops).
CLIENT_IP_HEADER = os.environ.get("MOTCUA_CLIENT_IP_HEADER", "").strip()
if CLIENT_IP_HEADER and not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,63}", CLIENT_IP_HEADER):
    raise ImproperlyConfigured(
        f"MOTCUA_CLIENT_IP_HEADER phải là tên một HTTP header, ví dụ X-Forwarded-For; nhận được {CLIENT_IP_HEADER!r}."
    )
CLIENT_IP_PROXIES = env_int("MOTCUA_CLIENT_IP_PROXIES", 1, 1, 10)
# Public dossier lookup: misses allowed per client address and per dossier code (successes are free).
LOOKUP_LIMITS_CLIENT = env_rates("MOTCUA_LOOKUP_LIMITS_CLIENT", "10/minute,30/hour")
LOOKUP_LIMITS_DOSSIER = env_rates("MOTCUA_LOOKUP_LIMITS_DOSSIER", "5/hour,20/day")
# Counter lookup of an applicant by personal ID (workspace): every lookup counts, per officer and per client
# address (a whole centre may share one), so an account cannot be used to harvest personal data.
APPLICANT_LOOKUP_LIMITS_OFFICER = env_rates(
    "MOTCUA_APPLICANT_LOOKUP_LIMITS_OFFICER", "10/minute,120/hour,600/day"
)
APPLICANT_LOOKUP_LIMITS_CLIENT = env_rates("MOTCUA_APPLICANT_LOOKUP_LIMITS_CLIENT", "60/minute,1000/hour")
# Failed VNeID sign-ins (refused callbacks, unreachable provider) per client address.
VNEID_LIMITS_CLIENT = env_rates("MOTCUA_VNEID_LIMITS_CLIENT", "10/minute,30/hour")
# Sign-in through any authentication backend (django-axes): failures per username and per client address
# within the cool-off; beyond either, every attempt is refused with 429 until the cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("MOTCUA_SIGNIN_LIMIT_USER", 5, 1, 100)
SIGNIN_LIMIT_CLIENT = env_int("MOTCUA_SIGNIN_LIMIT_CLIENT", 20, 1, 10_000)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MOTCUA_SIGNIN_COOLOFF_MINUTES", 15, 1, 1440))
AXES_HANDLER = "motcua.access.throttle.SignInHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "motcua.access.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "motcua.portal.views.signin_locked_out"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused but not counted, so the page can say when the lock ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No table of every successful sign-in's address; failures are kept only for the cool-off.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Outbox delivery (integrations): where dossier changes are POSTed (https; empty = keep pending), the key
# every delivery is signed with (HMAC-SHA256, ADR 0005), and how long delivered rows are kept.
OUTBOX_WEBHOOK_URL = os.environ.get("MOTCUA_OUTBOX_WEBHOOK_URL", "")
OUTBOX_WEBHOOK_SECRET = os.environ.get("MOTCUA_OUTBOX_WEBHOOK_SECRET", "")
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_RETENTION_DAYS = int(os.environ.get("MOTCUA_OUTBOX_RETENTION_DAYS", "30"))
if OUTBOX_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("MOTCUA_OUTBOX_RETENTION_DAYS must be a whole number of days, at least 1")
# Retry spacing (seconds: the first delay and the cap, with jitter) and the lease a worker holds on what it
# sends (a worker killed mid-send frees its messages when the lease runs out). Small values are for tests.
OUTBOX_BACKOFF_BASE = float(os.environ.get("MOTCUA_OUTBOX_BACKOFF_BASE", "30"))
OUTBOX_BACKOFF_CAP = float(os.environ.get("MOTCUA_OUTBOX_BACKOFF_CAP", "3600"))
OUTBOX_LEASE = float(os.environ.get("MOTCUA_OUTBOX_LEASE", "120"))
if not (0 < OUTBOX_BACKOFF_BASE <= OUTBOX_BACKOFF_CAP and OUTBOX_LEASE > 0):
    raise ImproperlyConfigured(
        "MOTCUA_OUTBOX_BACKOFF_BASE, MOTCUA_OUTBOX_BACKOFF_CAP, MOTCUA_OUTBOX_LEASE phải là số giây dương "
        "(BASE không quá CAP)."
    )

# National Public Service Portal (contract §7; integrations/dvcqg). Without a URL nothing is sent and every
# dossier change waits in the outbox. Timeout: a call unanswered this long is repeated later (the portal may
# have stored it: repeating the same state is harmless). Batch: HoSo objects per DongBoHoSoMC call.
DVCQG_URL = os.environ.get("MOTCUA_DVCQG_URL", "").rstrip("/")
DVCQG_USERNAME = os.environ.get("MOTCUA_DVCQG_USERNAME", "")
DVCQG_PASSWORD = os.environ.get("MOTCUA_DVCQG_PASSWORD", "")
DVCQG_MADONVI = os.environ.get("MOTCUA_DVCQG_MADONVI", "")
DVCQG_TIMEOUT = float(os.environ.get("MOTCUA_DVCQG_TIMEOUT", "10"))
DVCQG_BATCH = env_int("MOTCUA_DVCQG_BATCH", 100, 1, 1000)

# National Population Database lookup through the provincial integration platform (LGSP/NDXP; ADR 0026):
# empty URL, no lookup button. Every lookup counts, per user and per client address (IDs are guessable).
POPULATION_URL = os.environ.get("MOTCUA_POPULATION_URL", "").rstrip("/")
POPULATION_CLIENT_ID = os.environ.get("MOTCUA_POPULATION_CLIENT_ID", "motcua")
POPULATION_CLIENT_SECRET = os.environ.get("MOTCUA_POPULATION_CLIENT_SECRET", "")
POPULATION_TIMEOUT = float(os.environ.get("MOTCUA_POPULATION_TIMEOUT", "5"))
# The MaCSDL a dossier lists in DSKetNoiCSDL once its applicant was verified (the portal's code list is
# not public: ADR 0026).
POPULATION_MA_CSDL = os.environ.get("MOTCUA_POPULATION_MA_CSDL", "CSDLDC")
POPULATION_LIMITS_USER = env_rates("MOTCUA_POPULATION_LIMITS_USER", "10/minute,100/hour,400/day")
POPULATION_LIMITS_CLIENT = env_rates("MOTCUA_POPULATION_LIMITS_CLIENT", "60/minute,1000/hour")

# Online payment (contract §8, ADR 0028): the gateway plugin (payments/gateways/contrib/<name>, or a dotted
# path), the national payment platform's address, the partner code (MaDoiTac) and the shared secret that signs
# every message (MaXacThuc). Without a URL no online payment starts; counter payments still work.
PAYMENT_GATEWAY = os.environ.get("MOTCUA_PAYMENT_GATEWAY", "dvcqg").strip() or "dvcqg"
PAYMENT_URL = os.environ.get("MOTCUA_PAYMENT_URL", "").rstrip("/")
PAYMENT_PARTNER = os.environ.get("MOTCUA_PAYMENT_PARTNER", "")
PAYMENT_SECRET = os.environ.get("MOTCUA_PAYMENT_SECRET", "")
PAYMENT_TIMEOUT = float(os.environ.get("MOTCUA_PAYMENT_TIMEOUT", "15"))
# INIT's MaKenhThanhToan and MaThietBi (by the payer's browser): the contract does not fix the codes (ADR 0029).
PAYMENT_CHANNEL = os.environ.get("MOTCUA_PAYMENT_CHANNEL", "").strip() or "1"
PAYMENT_DEVICES = {
    "desktop": os.environ.get("MOTCUA_PAYMENT_DEVICE_DESKTOP", "").strip() or "1",
    "mobile": os.environ.get("MOTCUA_PAYMENT_DEVICE_MOBILE", "").strip() or "2",
}
# Reconciliation (`motcua payment_reconcile`): an attempt without a confirmation this many minutes after it
# started is queried; one the platform still knows nothing of after this many hours has expired.
PAYMENT_QUERY_AFTER_MINUTES = env_int("MOTCUA_PAYMENT_QUERY_AFTER_MINUTES", 15, 1, 24 * 60)
PAYMENT_EXPIRE_AFTER_HOURS = env_int("MOTCUA_PAYMENT_EXPIRE_AFTER_HOURS", 24, 1, 24 * 30)
# Attempts a payer may start (each one calls the platform).
PAYMENT_LIMITS_USER = env_rates("MOTCUA_PAYMENT_LIMITS_USER", "10/minute,60/hour")
PAYMENT_LIMITS_CLIENT = env_rates("MOTCUA_PAYMENT_LIMITS_CLIENT", "30/minute,300/hour")

# Electronic results (ADR 0019): the signer plugin (documents/signing/contrib/<name>, or a dotted path to a
# class) and the local plugin's directory of agency keys and trust roots. Auto-enrolment from the demo CA is
# for the test suite only: production and the demo sign with the certificates `motcua demo_ca` or the CA issued.
MOTCUA_SIGNER = os.environ.get("MOTCUA_SIGNER", "local").strip() or "local"
MOTCUA_SIGNING_DIR = Path(os.environ.get("MOTCUA_SIGNING_DIR", VAR_DIR / "signing"))
MOTCUA_SIGNING_AUTO_ENROL = False

# Notices to applicants (motcua.notifications, ADR 0013): the site's public address (the status-page link in
# every notice), the mail server and the SMS backend. In production a channel stays off until it is configured;
# in development mail is written to var/mail/ (one file per message) and SMS to the worker's console.
SITE_URL = (
    os.environ.get("MOTCUA_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").strip().rstrip("/")
)
EMAIL_URL = os.environ.get("MOTCUA_EMAIL_URL", "" if PRODUCTION else f"file://{VAR_DIR / 'mail'}").strip()
NOTIFY_EMAIL = bool(EMAIL_URL)
_EMAIL = email_from_url(EMAIL_URL, debug=DEBUG)
EMAIL_BACKEND = _EMAIL["BACKEND"]
EMAIL_FILE_PATH = _EMAIL.get("FILE_PATH")
EMAIL_HOST, EMAIL_PORT = _EMAIL.get("HOST", "localhost"), _EMAIL.get("PORT", 25)
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _EMAIL.get("USER", ""), _EMAIL.get("PASSWORD", "")
EMAIL_USE_TLS, EMAIL_USE_SSL = _EMAIL.get("USE_TLS", False), _EMAIL.get("USE_SSL", False)
EMAIL_TIMEOUT = 10  # seconds per socket operation; Django's default waits for ever
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_EMAIL_FROM", "Hệ thống một cửa điện tử <no-reply@localhost>")
SMS_BACKEND = os.environ.get(
    "MOTCUA_SMS_BACKEND", "" if PRODUCTION else "motcua.notifications.sms.ConsoleBackend"
).strip()
SMS_URL = os.environ.get("MOTCUA_SMS_URL", "").strip()  # for motcua.notifications.sms.HttpJsonBackend
SMS_TOKEN = os.environ.get("MOTCUA_SMS_TOKEN", "").strip()

# API paging bound (contract §4: bounded page size).
API_MAX_PAGE_SIZE = 100

# API bearer tokens (`motcua issue_token USERNAME [--days N]`): every token expires; rotate at least yearly.
API_TOKEN_MAX_DAYS = 365
API_TOKEN_DAYS = env_int("MOTCUA_API_TOKEN_DAYS", 90, 1, API_TOKEN_MAX_DAYS)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "WARNING")},
}
