# crownlog: one image for every role (migrate, api, worker); configuration by environment.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY service ./service
COPY jobs ./jobs
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    CROWNLOG_LOG_FORMAT=json \
    CROWNLOG_CONFIG=/app/config/crownlog.toml \
    CROWNLOG_API__HOST=0.0.0.0
RUN groupadd --system crownlog && useradd --system --gid crownlog --home /app crownlog
WORKDIR /app
COPY --from=build /install /usr/local
COPY migrations ./migrations
COPY alembic.ini ./
COPY config ./config
# The migrations folder is found beside the installed packages' source tree in a checkout; in
# the image it lives here, and crownlog looks for it through CROWNLOG_MIGRATIONS.
ENV CROWNLOG_MIGRATIONS=/app/migrations
RUN mkdir -p /app/data && chown crownlog:crownlog /app/data
USER crownlog
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)" || exit 1
ENTRYPOINT ["crownlog"]
CMD ["serve"]
