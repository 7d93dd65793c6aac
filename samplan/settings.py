"""Django settings for samplan. Everything that varies between machines comes from the
environment through samplan.core.env, which refuses bad values at start-up."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from samplan.core.env import Env, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env.from_os()

DEBUG = env.bool("DEBUG", default=False)
_INSECURE_DEV_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
# Django's own deploy check (security.W009) asks for 50 characters, 5 of them different.
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _INSECURE_DEV_KEY
):
    raise ImproperlyConfigured(
        "With DEBUG off, SECRET_KEY must be set to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "samplan.core",
    "samplan.organizations",
    "samplan.accounts",
    "samplan.auditlog",
    "samplan.logreview",
    "samplan.administration",
    "samplan.accessrequests",
    "samplan.providers",
    "samplan.patients",
    "samplan.addressing",
    "samplan.demo",
    "samplan.discharge",
    "samplan.messaging",
    "samplan.sip",
    "samplan.deviations",
    "samplan.reports",
    "samplan.help",
    "samplan.api",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "samplan.core.replica.PrimaryAfterWriteMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",
    "samplan.core.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "samplan.core.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samplan.core.middleware.NoStoreForUsersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "samplan.accounts.middleware.IdleTimeoutMiddleware",
    "samplan.accounts.middleware.SmartCardSessionMiddleware",
    "samplan.accounts.middleware.CurrentUnitMiddleware",
    "samplan.accounts.middleware.ActorMiddleware",
    "samplan.accounts.middleware.SamlFormActionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "samplan.urls"
WSGI_APPLICATION = "samplan.wsgi.application"

# <select> in Python, every other widget through Django's templates (samplan.core.form_renderer).
FORM_RENDERER = "samplan.core.form_renderer.FormRenderer"

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
                "samplan.accounts.context_processors.current_unit",
                "samplan.navigation.links",
                "samplan.messaging.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", base_dir=BASE_DIR)}
# A PostgreSQL streaming replica (hot standby) of the default database, optional. With it,
# the report pages and the log search read their figures and rows there
# (samplan.core.replica); everything else, and every read that follows the user's own write
# (for DATABASE_REPLICA_PIN_SECONDS), stays on the primary.
_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if _REPLICA_URL:
    DATABASES["replica"] = parse_database_url(_REPLICA_URL, variable="DATABASE_REPLICA_URL")
    if DATABASES["replica"]["ENGINE"] != "samplan.core.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgres:// URL.")
DATABASE_REPLICA_READS = bool(_REPLICA_URL)
# Behind a pooler in transaction mode (PgBouncer pool_mode=transaction, deploy/README.md) a
# server connection serves another client after each transaction, so no cursor may outlive
# one: the log exports' and chain checks' iterator() then reads in chunks client-side.
if env.bool("DATABASE_TRANSACTION_POOLING", default=False):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_ROUTERS = ["samplan.core.replica.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's database sessions, with the per-request read compiled once (accounts.session_store).
SESSION_ENGINE = "samplan.accounts.session_store"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:choose_unit"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "samplan.accounts.passwords.LengthValidator"},
    {"NAME": "samplan.accounts.passwords.AllowedCharactersValidator"},
    {"NAME": "samplan.accounts.passwords.CharacterClassValidator"},
    {"NAME": "samplan.accounts.passwords.NotPreviousPasswordValidator"},
]

# Login protection (domain.md §9). Failed attempts in a row before the account is locked,
# and for how long; idle minutes before the session ends.
LOGIN_MAX_FAILED_ATTEMPTS = env.int("LOGIN_MAX_FAILED_ATTEMPTS", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1)
# Failed attempts from one client address (any usernames) within LOGIN_LOCKOUT_MINUTES before
# the address is blocked for the rest of that time (samplan.accounts.throttling). A ward's PCs
# behind one NAT address share it: keep it well above a busy morning's typing mistakes.
LOGIN_MAX_FAILED_PER_ADDRESS = env.int("LOGIN_MAX_FAILED_PER_ADDRESS", default=20, minimum=1)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30, minimum=1)
# Smart-card (SITHS) login: nginx verifies the client certificate and passes the result in
# these headers (it must overwrite them on every request; see deploy/nginx.conf). Off unless
# the installation runs behind such a proxy, because the headers are trusted as given.
SMART_CARD_LOGIN = env.bool("SMART_CARD_LOGIN", default=False)
SMART_CARD_VERIFY_HEADER = "HTTP_X_SSL_CLIENT_VERIFY"
SMART_CARD_SUBJECT_HEADER = "HTTP_X_SSL_CLIENT_S_DN"
# The card headers count only from the trusted proxy: a request must carry the shared secret
# that nginx sets (SMART_CARD_PROXY_SECRET, in this header), or come from one of the proxies'
# addresses (SMART_CARD_TRUSTED_PROXIES: addresses or networks), or both when both are set.
# With neither set, no card header is believed (samplan.accounts.smartcard.from_trusted_proxy).
SMART_CARD_PROXY_SECRET = env.str("SMART_CARD_PROXY_SECRET", default="")
if SMART_CARD_PROXY_SECRET and len(SMART_CARD_PROXY_SECRET) < 32:
    raise ImproperlyConfigured("SMART_CARD_PROXY_SECRET must be at least 32 characters long.")
SMART_CARD_PROXY_SECRET_HEADER = "HTTP_X_SAMPLAN_PROXY_SECRET"
SMART_CARD_TRUSTED_PROXIES = env.networks("SMART_CARD_TRUSTED_PROXIES", default=[])
# SITHS eID through a SAML 2.0 identity provider (Inera's IdP), with djangosaml2 and pysaml2
# (samplan.accounts.saml). On when the IdP's metadata is given, as a file or a URL (read
# again every hour). SAML_SP_BASE_URL is samplan's address as the browser sees it; the entity
# id defaults to its metadata address. The key and certificate sign samplan's requests and
# are published in its metadata (/saml2/metadata/) for the IdP. A login must carry one of
# the required authentication contexts (SITHS: Sambi's LoA 3). The attributes hold the
# person's HSA-id, names, e-mail and the HSA-ids of the units of their commissions.
SAML_IDP_METADATA_FILE = env.str("SAML_IDP_METADATA_FILE", default="")
SAML_IDP_METADATA_URL = env.str("SAML_IDP_METADATA_URL", default="")
SAML_SP_BASE_URL = env.str("SAML_SP_BASE_URL", default="").rstrip("/")
SAML_SP_ENTITY_ID = env.str("SAML_SP_ENTITY_ID", default="")
SAML_SP_KEY_FILE = env.str("SAML_SP_KEY_FILE", default="")
SAML_SP_CERT_FILE = env.str("SAML_SP_CERT_FILE", default="")
SAML_REQUIRED_AUTHN_CONTEXT = env.list(
    "SAML_REQUIRED_AUTHN_CONTEXT", default=["http://id.sambi.se/loa/loa3"]
)
SAML_ALLOW_UNSOLICITED = env.bool("SAML_ALLOW_UNSOLICITED", default=False)
SAML_ATTRIBUTE_HSA_ID = env.str(
    "SAML_ATTRIBUTE_HSA_ID", default="http://sambi.se/attributes/1/employeeHsaId"
)
SAML_ATTRIBUTE_GIVEN_NAME = env.str(
    "SAML_ATTRIBUTE_GIVEN_NAME", default="http://sambi.se/attributes/1/givenName"
)
SAML_ATTRIBUTE_SURNAME = env.str(
    "SAML_ATTRIBUTE_SURNAME", default="http://sambi.se/attributes/1/surname"
)
SAML_ATTRIBUTE_EMAIL = env.str("SAML_ATTRIBUTE_EMAIL", default="http://sambi.se/attributes/1/mail")
SAML_ATTRIBUTE_COMMISSION_UNITS = env.str(
    "SAML_ATTRIBUTE_COMMISSION_UNITS", default="http://sambi.se/attributes/1/healthCareUnitHsaId"
)
if (SAML_IDP_METADATA_FILE or SAML_IDP_METADATA_URL) and not (
    SAML_SP_BASE_URL and SAML_SP_KEY_FILE and SAML_SP_CERT_FILE
):
    raise ImproperlyConfigured(
        "SAML login needs SAML_SP_BASE_URL, SAML_SP_KEY_FILE and SAML_SP_CERT_FILE."
    )
# djangosaml2: samplan builds the pysaml2 configuration from the settings above; the SAML
# exchange keeps its state in its own cookie, which the IdP's cross-site POST must carry
# (SameSite=None needs a secure cookie, so plain-HTTP test servers use Lax).
SAML_CONFIG_LOADER = "samplan.accounts.saml.sp_config"
SAML_SESSION_COOKIE_NAME = "samplan_saml"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_IGNORE_LOGOUT_ERRORS = True  # samplan's own session has ended before the IdP answers
SAML_CSP_HANDLER = ""  # samplan's pages send no Content-Security-Policy of their own yet
SESSION_COOKIE_AGE = 12 * 60 * 60  # a working day at most; idle timeout ends it sooner
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
# Each app keeps its own catalogue in <app>/locale (Swedish; the msgids are English).
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}

# A task running longer than this is taken to have lost its worker (killed, machine lost): the
# task worker (manage.py task_worker) runs it again, and an alert send it had begun is taken
# over. Must be longer than any task's honest run time and the SMS gateway's timeout.
TASK_TIMEOUT_SECONDS = env.int("TASK_TIMEOUT_SECONDS", default=300, minimum=1)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="samplan@localhost")

# Alerts (avisering) on new messages, by e-mail (EMAIL_BACKEND) and SMS: at most one per unit
# per ALERT_COALESCE_MINUTES. SMS_BACKEND is a class in samplan.messaging.sms (Console, File)
# or a gateway of the installation's own; the file backend appends to SMS_FILE_PATH.
ALERT_COALESCE_MINUTES = env.int("ALERT_COALESCE_MINUTES", default=5, minimum=1)
SMS_BACKEND = env.str("SMS_BACKEND", default="samplan.messaging.sms.ConsoleBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SAML_SESSION_COOKIE_SAMESITE = "None" if SESSION_COOKIE_SECURE else "Lax"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only, in production: plain HTTP is redirected, and browsers are told to use HTTPS for
# a year (nginx sends the same header, deploy/nginx.conf). Off with DEBUG (the demo on
# http://127.0.0.1) or SECURE_SSL_REDIRECT=false (the load test's gunicorn on 127.0.0.1).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading (security.W021) puts the whole domain in the browsers' HTTPS-only list, a choice
# for the region's IT across all its hosts, not for one application; it is SECURE_HSTS_PRELOAD.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from samplan itself
# only; no inline script or style, no eval (htmx runs with allowEval off, base.html), no
# frames, forms post only here. A template that must inline a script uses {{ request.csp_nonce }}.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The client address written to login and access logs. Behind nginx, the proxy's address
# is REMOTE_ADDR; set TRUSTED_PROXY_COUNT to the number of proxies that append to
# X-Forwarded-For so the real client is taken, never a value the client wrote itself.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Access log (domain.md §8). Rows are kept at least this many years; `manage.py
# accesslog_purge` removes older ones. Flags for log review: the usual hours of a unit whose
# opening hours cannot be read (first weekday, last weekday, start hour, end hour; Monday 0),
# and "many patients": more than COUNT different persons within MINUTES for one user.
ACCESS_LOG_RETENTION_YEARS = env.int("ACCESS_LOG_RETENTION_YEARS", default=5, minimum=1)
ACCESS_LOG_DEFAULT_HOURS = (0, 4, 7, 18)
ACCESS_LOG_MANY_PATIENTS_COUNT = env.int("ACCESS_LOG_MANY_PATIENTS_COUNT", default=20, minimum=1)
ACCESS_LOG_MANY_PATIENTS_MINUTES = env.int(
    "ACCESS_LOG_MANY_PATIENTS_MINUTES", default=10, minimum=1
)
# Whether a log extract for a patient may name the users (not only the units) who looked.
ACCESS_LOG_EXTRACT_USER_NAMES = env.bool("ACCESS_LOG_EXTRACT_USER_NAMES", default=True)

CSRF_FAILURE_VIEW = "samplan.core.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # 403 and 404 in one line without a traceback; 500s keep theirs (samplan.core.errors).
        "client_errors_without_traceback": {
            "()": "samplan.core.errors.ClientErrorsWithoutTraceback"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"filters": ["client_errors_without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
