# One image for every process of the full stack: web (gunicorn), Celery worker, Celery beat and
# one-shot management commands. docker-compose.yml shows how they fit together.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=chpso_portal.settings \
    VAR_DIR=/data/var \
    PRIVATE_MEDIA_ROOT=/data/private \
    GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=1

# The portal runs as an unprivileged user (portal, uid 10001) that cannot change its own code.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, so that a change to the code does not reinstall them.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .

# Settings refuse to load without a secret key and allowed hosts when DEBUG is off. These two
# values exist only for this command; the running container gets its own from the environment.
RUN SECRET_KEY=build-time-only-collectstatic-key-never-used-at-run-time-0123456789 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# Writable places, owned by the portal user. Named volumes mounted here start out with this
# ownership, so private documents are written by the same user in web and worker.
RUN mkdir -p /data/var /data/private \
    && chown -R portal:portal /data

USER 10001:10001

EXPOSE 8000

CMD ["sh", "-c", "exec gunicorn chpso_portal.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --threads ${GUNICORN_THREADS:-1} --access-logfile - --error-logfile -"]
