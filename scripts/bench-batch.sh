#!/usr/bin/env bash
# `svg-ai batch <corpus>` through the HTTP API of a production-mode service with 1 and then 2 worker
# processes: wall time and images per minute. Each run uses a fresh Redis key prefix (cold cache)
# and a fresh output folder. Usage: scripts/bench-batch.sh [corpus-dir] (default ../shared/corpus).
# Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) and a build (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
redis=${REDIS_URL:-redis://127.0.0.1:6379}
[ -d "$corpus" ] || { echo "bench-batch skipped: no corpus at $corpus"; exit 0; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "| worker processes | images | converted | failed | wall s | images/min |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for workers in 1 2; do
  prefix="svgai-bench-batch-$$-$workers"
  port=$((18700 + workers))
  REDIS_URL=$redis REDIS_PREFIX=$prefix PORT=$port HOST=127.0.0.1 LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=0 \
    node dist/main.js >"$work/api-$workers.log" 2>&1 &
  pids+=($!)
  for w in $(seq 1 "$workers"); do
    REDIS_URL=$redis REDIS_PREFIX=$prefix WORKER_METRICS_PORT=$((18800 + workers * 10 + w)) HOST=127.0.0.1 LOG_LEVEL=warn \
      node dist/cli/index.js worker >"$work/worker-$workers-$w.log" 2>&1 &
    pids+=($!)
  done
  until curl -fs "http://127.0.0.1:$port/ready" >/dev/null; do sleep 0.2; done
  start=$(date +%s%N)
  node dist/cli/index.js batch "$corpus" --url "http://127.0.0.1:$port" -o "$work/out-$workers" --concurrency 8 >"$work/batch-$workers.log" || true
  end=$(date +%s%N)
  node -e '
    const r = require(process.argv[1]).summary; const s = Number(process.argv[2]) / 1e9;
    console.log(`| ${process.argv[3]} | ${r.total} | ${r.converted} | ${r.failed} | ${s.toFixed(1)} | ${(r.converted / s * 60).toFixed(1)} |`);
  ' "$work/out-$workers/report.json" "$((end - start))" "$workers"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  redis-cli -u "$redis" --scan --pattern "$prefix:*" | xargs -r redis-cli -u "$redis" del >/dev/null
done
