# duban's image. Default command: ops/web.sh (migrate, then gunicorn on :8000 with
# ops/gunicorn.conf.py; WhiteNoise serves the static files collected at build). The worker and
# beat run celery from the same image (docker-compose.yml). Settings come from the environment.
# Debian 12 (bookworm), pinned: its PostgreSQL client is 15, the server's major version, for
# ops/backup.sh and ops/restore.sh.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN groupadd --system duban \
    && useradd --system --gid duban --home-dir /app --no-create-home --shell /usr/sbin/nologin duban

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The key exists only for this step; collectstatic touches no database. var/private (uploads)
# is created here so that a named volume mounted on it starts out owned by the app user.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p var/private \
    && chown duban:duban var/private

USER duban
EXPOSE 8000
CMD ["ops/web.sh"]
