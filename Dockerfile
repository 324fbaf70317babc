# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, ship only what runs.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script (scripts/start.mjs --build-only), which skips the build while src/ is absent.
# The build compiles src/ with tsc, then bundles dist/index.js into one file with esbuild (scripts/bundle.mjs).
COPY scripts/start.mjs scripts/bundle.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also makes the migrated empty embedded database a first start copies (dist/pglite-base-*/):
# it needs the migrations.
COPY drizzle ./drizzle
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    PGLITE_DIR=/var/lib/verrijk/pglite
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Generated SQL migrations (applied on start) and the bundled CBS data (offline first start).
COPY drizzle ./drizzle
COPY data ./data
RUN mkdir -p /var/lib/verrijk/pglite && chown -R node:node /var/lib/verrijk
USER node
EXPOSE 3000
VOLUME ["/var/lib/verrijk"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly, not npm: npm does not forward SIGTERM, and the service shuts down gracefully on it.
# A 4 MB young generation, as `npm start` runs it: ~25 MiB less resident memory. A later tier-up of
# PGlite's wasm to V8's optimising compiler: a restart on PGlite spent ~20% less time on the way to
# ready (docs/performance.md, "Where a start's time goes").
CMD ["node", "--max-semi-space-size=4", "--wasm-tiering-budget=50000000", "dist/index.js"]
