# LeadFlow image: one image for web (gunicorn), worker and beat (Celery); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the 简体中文 catalogues at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Build-time only: production settings refuse to load without a secret key, and these steps need none.
RUN if find . -name '*.po' | grep -q .; then \
        DJANGO_SECRET_KEY=build-only-not-used-at-runtime python manage.py compilemessages; \
    fi \
    && DJANGO_SECRET_KEY=build-only-not-used-at-runtime python manage.py collectstatic --noinput

# Run as an unprivileged user; /app/var holds the beat schedule and mail files (writable, volume-backed).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin leadflow \
    && mkdir -p /app/var /app/media \
    && chown -R leadflow:leadflow /app/var /app/media
USER leadflow

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "leadflow.wsgi:application"]
