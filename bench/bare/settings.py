"""Settings of the bare project: what `django-admin startproject` gives, minus the admin and
messages, with the portal's production choices for the things both must have (PostgreSQL
with persistent connections, the session engine, DEBUG off)."""

import os

import dj_database_url

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "bare",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "bare.urls"
WSGI_APPLICATION = "bare.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
    ]},
}]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60,
                                              conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The same session engine as the portal: with Redis, sessions are cached_db.
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"],
                          "KEY_PREFIX": "bare"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/rows/"

USE_TZ = True
TIME_ZONE = "America/Los_Angeles"
LANGUAGE_CODE = "en-us"
