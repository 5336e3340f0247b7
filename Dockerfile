# Sou's service image: the whole project (see .dockerignore), installed, run by a user of its own.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
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
