"""Django settings for samplan. Everything that varies between machines comes from the
environment through samplan.core.env, which refuses bad values at start-up."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from samplan.core.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env.from_os()

DEBUG = env.bool("DEBUG", default=False)
_INSECURE_DEV_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY == _INSECURE_DEV_KEY):
    raise ImproperlyConfigured(
        "With DEBUG off, SECRET_KEY must be set to a random value of at least 32 characters."
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
    "samplan.core",
    "samplan.organizations",
    "samplan.accounts",
    "samplan.auditlog",
    "samplan.administration",
    "samplan.patients",
    "samplan.addressing",
    "samplan.demo",
    "samplan.discharge",
    "samplan.messaging",
    "samplan.sip",
    "samplan.reports",
    "samplan.help",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samplan.core.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "samplan.accounts.middleware.IdleTimeoutMiddleware",
    "samplan.accounts.middleware.SmartCardSessionMiddleware",
    "samplan.accounts.middleware.CurrentUnitMiddleware",
    "samplan.accounts.middleware.ActorMiddleware",
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
                "samplan.messaging.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", base_dir=BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30, minimum=1)
# Smart-card (SITHS) login: nginx verifies the client certificate and passes the result in
# these headers (it must overwrite them on every request; see deploy/nginx.conf). Off unless
# the installation runs behind such a proxy, because the headers are trusted as given.
SMART_CARD_LOGIN = env.bool("SMART_CARD_LOGIN", default=False)
SMART_CARD_VERIFY_HEADER = "HTTP_X_SSL_CLIENT_VERIFY"
SMART_CARD_SUBJECT_HEADER = "HTTP_X_SSL_CLIENT_S_DN"
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
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
