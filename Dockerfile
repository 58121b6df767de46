# syntax=docker/dockerfile:1
# One image for both roles: the API (the default command) and `svg-ai worker` (docker-compose.prod.yml
# sets the worker's command). test/ops/docker-image.test.ts checks this file and runs the built app,
# this command and this health check under the Node major below.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
# Two glibc malloc arenas instead of eight per core: libvips and resvg allocate large buffers from
# many threads, and idle arenas kept them resident (scripts/bench-memory.ts: peak 667 -> 590 MB,
# idle 297 -> 230 MB on the mutated-image run; jemalloc measured worse, 638 / 271).
ENV MALLOC_ARENA_MAX=2
# A fixed mmap threshold (128 KiB, glibc's starting value, which it otherwise raises up to 32 MiB
# after large frees): decoded images, renders and libvips buffers are their own mappings and go back
# to the system when freed, instead of staying in an arena. scripts/bench-memory.ts, which runs the
# service with these ENV lines: idle after warm-up 346 -> 291 MB with three trace threads.
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot change its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is the container's main process (under compose's init) and receives SIGTERM itself.
CMD ["node", "--enable-source-maps", "dist/main.js"]
