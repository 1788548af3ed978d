# duban's image: gunicorn serving config.wsgi on :8000; WhiteNoise serves the static files
# collected at build. Runtime settings come from the environment (README, docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

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
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
