FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ledger ledger
COPY merchants merchants
COPY wallet_api wallet_api
COPY sou sou
RUN pip install --no-cache-dir .
RUN useradd --create-home sou && mkdir /data /keys && chown sou /data /keys
USER sou
WORKDIR /data
EXPOSE 8000
CMD ["sh", "-c", "sou db upgrade && sou serve --host 0.0.0.0 --port 8000"]
