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
EXPOSE 8000 9100
# No image-wide HEALTHCHECK: what is healthy depends on the role. docker-compose.yml probes the
# api's /readyz on :8000 and each worker's /healthz on its --metrics-port (:9100); migrate runs
# once and exits.
ENTRYPOINT ["crownlog"]
CMD ["serve"]
