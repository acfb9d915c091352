# crownlog: one image for every role (migrate, api, worker); configuration by environment.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY service ./service
COPY jobs ./jobs
# Shipped inside the wheel (service/bundled/): crownlog needs no checkout at run time.
COPY migrations ./migrations
COPY config ./config
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    CROWNLOG_LOG_FORMAT=json \
    CROWNLOG_CONFIG=/app/config/crownlog.toml \
    CROWNLOG_API__HOST=0.0.0.0
RUN groupadd --system crownlog && useradd --system --gid crownlog --home /app crownlog
WORKDIR /app
COPY --from=build /install /usr/local
# The default settings and sources; docker-compose.yml mounts ./config over it so that an
# edited sources.toml reaches the workers (SIGHUP reloads it).
COPY config ./config
RUN mkdir -p /app/data && chown crownlog:crownlog /app/data
USER crownlog
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)" || exit 1
ENTRYPOINT ["crownlog"]
CMD ["serve"]
