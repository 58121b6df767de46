#!/bin/sh
# Runs the command with the allocator the Dockerfile gives the service (see its comment for the
# measurements): jemalloc, tuned, where libjemalloc2 is installed; otherwise glibc's malloc with two
# arenas and a fixed mmap threshold. Whatever the operator already set is kept.
#   sh scripts/allocator.sh node dist/main.js
if [ -z "${LD_PRELOAD:-}" ]; then
  for dir in "/usr/lib/$(uname -m)-linux-gnu" /usr/lib64 /usr/lib /usr/local/lib; do
    if [ -e "$dir/libjemalloc.so.2" ]; then
      export LD_PRELOAD="$dir/libjemalloc.so.2"
      break
    fi
  done
fi
case "${LD_PRELOAD:-}" in
  *jemalloc*) export MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2}" ;;
  *)
    export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
    export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
    ;;
esac
exec "$@"
