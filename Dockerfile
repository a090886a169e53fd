# syntax=docker/dockerfile:1
# WikiMind container image: the `gateway` (API + embedded web app) and `worker` binaries.
#
#   docker build -t wikimind .
#   docker run -p 7842:7842 -e WIKIMIND_AUTH_TOKEN=change-me -v wikimind-data:/data wikimind
#
# Needs BuildKit (or buildah/podman) for the RUN --mount cache mounts.

# ---- 1. web app ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# ---- 2. Rust binaries ----------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ENV CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0
COPY Cargo.toml Cargo.lock ./
COPY shared/ shared/
COPY text/ text/
COPY sqlitevec/ sqlitevec/
COPY sqliteread/ sqliteread/
COPY worker/ worker/
COPY gateway/ gateway/
COPY testkit/ testkit/
COPY migrations/ migrations/
# rust-embed reads frontend/dist at compile time.
COPY --from=web /src/frontend/dist/ frontend/dist/
# The registry and target/ live in cache mounts, so the binaries are copied out of them.
# The release profile keeps line tables (file:line in backtraces); compressing those debug
# sections keeps them while shrinking each binary from ~130 MB to ~55 MB.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin gateway --bin worker \
 && mkdir -p /out \
 && for bin in gateway worker; do \
      objcopy --compress-debug-sections=zlib "target/release/$bin" "/out/$bin"; \
    done

# ---- 3. runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: rustls verifies LLM providers and fetched URLs against the system store.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 wikimind \
 && useradd --system --uid 10001 --gid wikimind --home-dir /data --no-create-home --shell /usr/sbin/nologin wikimind \
 && mkdir -p /data \
 && chown wikimind:wikimind /data
COPY --from=build /out/gateway /out/worker /usr/local/bin/
COPY --chmod=0755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV WIKIMIND_DATA_DIR=/data \
    WIKIMIND_SERVER__HOST=0.0.0.0 \
    WIKIMIND_SERVER__PORT=7842 \
    WIKIMIND_LOG_FORMAT=json
# Numeric, so runtimes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 7842
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/bin/sh", "-c", "exec gateway healthcheck \"http://127.0.0.1:${WIKIMIND_SERVER__PORT:-7842}/health\""]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["gateway", "serve"]
