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
# jemalloc instead of glibc's malloc: libvips and resvg allocate large buffers from many threads,
# and glibc kept the freed ones resident in fragmented arenas. scripts/bench-memory.ts, which runs
# the service with these ENV lines (RSS before / peak / after idle, MB):
#   mutated images  glibc (2 arenas, 128 KiB mmap threshold) 267 / 491 / 250   jemalloc 294 / 453 / 236, 282 / 488 / 247
#   load at 2x      glibc                                    279 / 358 / 303   jemalloc 296 / 386 / 253, 305 / 390 / 272
# jemalloc with its defaults kept freed pages for 10 s and idled at 283 after the load: a background
# thread gives dirty pages back after 1 s, unused ones at once (muzzy 0), from two arenas.
# A bare library name: ld.so finds it on the system's library path, whatever the architecture.
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 && rm -rf /var/lib/apt/lists/*
ENV LD_PRELOAD=libjemalloc.so.2
ENV MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2
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
