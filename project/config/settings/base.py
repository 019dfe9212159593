"""Settings for every deployment: each value comes from the environment, and importing them
starts nothing and connects to nothing. The database is DATABASE_URL's (a postgres:// URL).

`config.settings.local` builds on these for development, the lab and the tests.
"""

import hashlib
import os
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# DJANGO_ENV_FILE: a file of NAME=value lines read into the environment first (in production the
# server's .env.prod, mounted as a Compose secret, so no secret is an environment value of the
# container that `docker inspect` shows); a variable the environment already has wins.
if os.environ.get("DJANGO_ENV_FILE"):
    _env_file = Path(os.environ["DJANGO_ENV_FILE"])
    try:
        _env_file.read_text()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"DJANGO_ENV_FILE names {_env_file}, which cannot be read: {exc.strerror}."
        ) from None
    environ.Env.read_env(_env_file, overwrite=False)

# DJANGO_ENV=production makes the values a public site must set mandatory.
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"

# SHA-256 of secrets that example env files of this repository once published (the secret key and
# the database password): anyone can read them, so production refuses them.
PUBLISHED_SECRETS = {
    "c40198ce4b393c5513a3a4450fa0a937aad673e7f99babcd649dfe83aa778e40",
    "c7501752ba6cc7699db0a257d7b712f8a98c90f1323353c88298445ce00455b3",
}
MAKE_ONE = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def refuse_published(name: str, value: str) -> None:
    if hashlib.sha256(value.encode()).hexdigest() in PUBLISHED_SECRETS or value.startswith(
        "django-insecure-"
    ):
        raise ImproperlyConfigured(
            f"{name} is an example value anyone can read; production needs a random one: {MAKE_ONE}"
        )


# What production refuses besides: a secret key shorter than 50 characters or with fewer than 5
# different ones (what `check --deploy` calls weak, W009), and a database password left as the
# example's placeholder or a word anyone would try (none at all is a server's own choice: peer
# or trust authentication).
PLACEHOLDER_PASSWORDS = {"password", "changeme", "postgres", "secret", "workbook"}


def refuse_weak_key(name: str, value: str) -> None:
    if len(value) < 50 or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"{name} is too weak ({len(value)} characters, {len(set(value))} different); "
            f"production needs at least 50 random ones: {MAKE_ONE}"
        )


DEBUG = env.bool("DJANGO_DEBUG", default=False)
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is on: production never shows debug pages (they print settings and code); "
            "set DJANGO_DEBUG=false."
        )
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    # A blank line in an env file (DJANGO_SECRET_KEY=) sets the variable to "": as missing as
    # an absent one, but Django would only notice at the first request that needs it.
    for _name, _value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS)):
        if not _value:
            raise ImproperlyConfigured(f"Set the {_name} environment variable; it is empty.")
    refuse_published("DJANGO_SECRET_KEY", SECRET_KEY)
    refuse_weak_key("DJANGO_SECRET_KEY", SECRET_KEY)
else:
    # A development key: a development server listens on 127.0.0.1 only.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or "dev-only-insecure-key-for-local-development"
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[]) or ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "posts",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ApiErrorsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Where gunicorn runs alone (a development `serve`, the web image without nginx), whitenoise
# serves the collected static files. Behind nginx, nginx answers /static/ itself; in a notebook
# kernel or a test nothing is collected, so it stays off there.
if env.bool("DJANGO_SERVE_STATIC", default=False):
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """DATABASES['default'] from a postgres:// URL; anything else is refused in one sentence."""
    if not url:
        raise ImproperlyConfigured(
            "Set DATABASE_URL to the site's PostgreSQL (postgres://user:password@host:5432/name)."
        )
    config = environ.Env.db_url_config(url)
    if config.get("ENGINE") != "django.db.backends.postgresql":
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL (postgres://...), not {scheme}://."
        )
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    config.update(persistent_connections())
    return config


def persistent_connections() -> dict:
    """A worker keeps its connection across requests for DJANGO_CONN_MAX_AGE seconds (0: a new
    one per request), and checks it before the first query of each request reuses it, so a
    connection the server dropped (a restart, a failover) is replaced instead of failing a request."""
    return {"CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60), "CONN_HEALTH_CHECKS": True}


# Read when Django first connects, not here: importing the settings connects to nothing.
DATABASE_URL = env.str("DATABASE_URL", default="").strip()


def secrets_file_value(name: str) -> str:
    """NAME's value in WORKBOOK_SECRETS_FILE (NAME=value lines: the local compose stack's .env,
    mounted as a Compose secret), "" when there is no such file or line."""
    path = os.environ.get("WORKBOOK_SECRETS_FILE")
    if not path:
        return ""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"WORKBOOK_SECRETS_FILE names {path}, which cannot be read: {exc.strerror}."
        ) from None
    value = ""
    for line in lines:
        key, sep, rest = line.partition("=")
        if sep and key.strip() == name:
            value = rest.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
    return value


# The local compose stack gives DATABASE_URL without its password, so that `docker inspect` shows
# none: the password is POSTGRES_PASSWORD's, from the environment (DJANGO_ENV_FILE) or the secrets file.
if DATABASE_URL and urlsplit(DATABASE_URL).username and urlsplit(DATABASE_URL).password is None:
    _password = env.str("POSTGRES_PASSWORD", default="") or secrets_file_value("POSTGRES_PASSWORD")
    if _password:
        DATABASE_URL = DATABASE_URL.replace("@", f":{quote(_password, safe='')}@", 1)
DATABASES = {"default": database_from_url(DATABASE_URL)} if DATABASE_URL else {}
if PRODUCTION and DATABASE_URL:
    _password = unquote(urlsplit(DATABASE_URL).password or "")
    refuse_published("The password in DATABASE_URL", _password)
    if _password.casefold() in PLACEHOLDER_PASSWORDS:
        raise ImproperlyConfigured(
            f"DATABASE_URL's password is a placeholder ({_password!r}): put POSTGRES_PASSWORD's value "
            "there (postgres://USER:PASSWORD@db:5432/DB)."
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every spelling of a user name (spaces around it, its case, fullwidth letters) logs in as its user.
AUTHENTICATION_BACKENDS = ["core.usernames.CanonicalUsernameBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR.parent / "staticfiles")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header lets an anonymous request get 401 (log in),
    # kept apart from 403 (logged in, not allowed).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageSizePagination",
    "PAGE_SIZE": 10,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    # The API speaks JSON only: a form cannot carry a post's files, nor tell 0 from "0".
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The browsable API (HTML pages for a browser) in development; production answers JSON only,
    # unless DJANGO_BROWSABLE_API turns it on.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(
            ["rest_framework.renderers.BrowsableAPIRenderer"]
            if env.bool("DJANGO_BROWSABLE_API", default=not PRODUCTION)
            else []
        ),
    ],
}

# The login throttle (core.throttling): failed logins allowed per client address and per user
# name within a window that starts at the first failure; past either, logins answer 429 until it
# ends. Behind nginx (one proxy) the client's address is the last in X-Forwarded-For; without a
# proxy that header is the client's own word, so it is read only when proxies are declared.
LOGIN_FAILURES_PER_ADDRESS = env.int("DJANGO_LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURES_PER_USERNAME = env.int("DJANGO_LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("DJANGO_LOGIN_FAILURE_WINDOW_SECONDS", default=300)
# A client that logged in keeps a signed device cookie this many days: with it, it logs in while
# its name is locked for others, with a limit of its own (core.throttling); 0 turns that off.
LOGIN_DEVICE_DAYS = env.int("DJANGO_LOGIN_DEVICE_DAYS", default=30)
LOGIN_THROTTLE_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Workbook Instagram API",
    "DESCRIPTION": (
        "Profiles, posts with photos and videos, likes and comments; nothing is ever hard-deleted."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get components of their own, with the bounds the server enforces on input.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.postprocess_bounds",
    ],
}

# Behind nginx: trust the scheme it forwards, so CSRF and redirects see https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env.bool("DJANGO_USE_X_FORWARDED_HOST", default=True)

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
# The container's own healthcheck and the deploy's check ask over plain http, from the host.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy of the admin's pages and the API's docs (core.middleware): scripts
# from this site only (no inline ones), styles inline too (Swagger UI and Redoc set them), workers
# from blob: (Redoc), no plugins, no framing, forms posted back here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
CONTENT_SECURITY_POLICY_PATHS = ["/admin/", "/api/docs/", "/api/redoc/", "/docs-script/"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
