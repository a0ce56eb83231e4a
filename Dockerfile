# syntax=docker/dockerfile:1
# Latchkey's container image: the compiled server with production dependencies only.
#   docker build -t latchkey:0.1.0 .
#   docker run -p 3000:3000 -v latchkey-data:/app/data latchkey:0.1.0
# docs/deploy.md ("Container image") has the rest: PostgreSQL and Redis with compose.yaml, Kubernetes.
# The build and the runtime stages use the same Debian base, so the native modules compiled or
# fetched in the first (better-sqlite3, @node-rs/argon2) match the second's glibc.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# The production install of a clone (README, "Production"): install from the lock file, compile to
# JavaScript, then drop every development dependency (TypeScript, tsx, the test tools).
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf packages/*/test

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A user of its own with fixed ids (Kubernetes' runAsNonRoot checks a numeric user). The code stays
# owned by root, read-only to the server; only the data directory is the server's.
RUN groupadd --system --gid 10001 latchkey \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin latchkey \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data \
 && chmod 0700 /app/data
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
USER 10001:10001
# The README's configuration table: every setting is an environment variable. Without LATCHKEY_DB
# the server keeps a SQLite database (and its generated latchkey.secret) in the volume below; with
# PostgreSQL, LATCHKEY_SECRET is required. Set LATCHKEY_ISSUER to the public origin.
ENV PORT=3000 \
    HOST=0.0.0.0 \
    LATCHKEY_DB=sqlite:/app/data/latchkey.db
VOLUME ["/app/data"]
EXPOSE 3000
# The server handles SIGTERM itself, as PID 1 too: /readyz answers 503, new connections are refused,
# in-flight requests finish (at most 10 s), the database is closed, exit 0. Give it the time:
# `docker stop --time 15`, compose's stop_grace_period, Kubernetes' terminationGracePeriodSeconds.
STOPSIGNAL SIGTERM
# No curl in the slim image: Node's fetch asks /readyz (ready: the database answers and is migrated).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=4", "packages/server/bin/latchkey.js", "serve"]
