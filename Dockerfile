# Sou's service image: the whole project (see .dockerignore), installed, run by a user of its own.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# pg_dump and pg_restore, for `sou backup` and `sou restore` (a client at least as new as the
# server: Debian's is). Not pinned: Debian replaces a stable release's package versions with
# their security updates, so a pin would break the build at the next one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 sou \
    && mkdir /data /keys \
    && chown sou:sou /data /keys \
    && chmod 0700 /keys
USER 10001
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["sh", "-c", "sou db upgrade && exec sou serve --production --host 0.0.0.0 --port 8000"]
