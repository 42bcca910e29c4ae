#!/usr/bin/env bash
# Summarises an async-profiler CPU profile of one bench.sh row (BENCH_ASPROF writes <row>.collapsed, collapsed
# stacks sampled every millisecond of CPU, beside <row>.txt, wrk's result):
#
#   load-test/asprof-top.sh load-test/results/bench-<time>/refused.collapsed [N] [REGEX]
#
# Prints the gateway CPU the samples add up to per request (samples x 1 ms / requests), the N (default 25)
# hottest frames by own time, and the N hottest frames matching REGEX (default: this project, bucket4j, Lettuce,
# Resilience4j, Spring Cloud Gateway, logging) by time with the frame anywhere on the stack, all in microseconds
# per request. Also open <row>.html, the flame graph of the same samples, in a browser.
set -euo pipefail

file=${1:?usage: asprof-top.sh <row.collapsed> [N] [REGEX]}
top=${2:-25}
pattern=${3:-'^(kz/cvety|io/github/bucket4j|io/lettuce|io/github/resilience4j|org/springframework/cloud/gateway|ch/qos/logback)'}
result=${file%.collapsed}.txt
requests=$(awk '/^BENCH / {for (i = 2; i <= NF; i++) if ($i ~ /^requests=/) {sub("requests=", "", $i); print $i}}' "$result" 2>/dev/null || true)
[[ -n $requests ]] || { echo "no wrk result with a request count at $result" >&2; exit 1; }

awk -v top="$top" -v pattern="$pattern" -v requests="$requests" '
  {
    count = $NF
    stack = substr($0, 1, length($0) - length(count) - 1)
    n = split(stack, frames, ";")
    total += count
    self[frames[n]] += count
    delete seen
    for (i = 1; i <= n; i++) {
      frame = frames[i]
      gsub(/\$\$Lambda[^.;]*(\.0x[0-9a-f]+)?/, "$$Lambda", frame)
      if (!(frame in seen) && frame ~ pattern) { seen[frame] = 1; incl[frame] += count }
    }
  }
  function us(samples) { return samples * 1000 / requests }
  function hottest(counts, title,   k, best, bestk, shown) {
    print title
    for (shown = 0; shown < top; shown++) {
      best = 0
      for (k in counts) if (counts[k] > best) { best = counts[k]; bestk = k }
      if (best == 0) break
      printf "  %7.1f us  %s\n", us(best), bestk
      delete counts[bestk]
    }
  }
  END {
    printf "%d samples, %d requests: %.1f us of gateway CPU per request\n", total, requests, us(total)
    hottest(self, "hottest frames, own time (us per request):")
    hottest(incl, "frames matching " pattern ", anywhere on the stack (us per request):")
  }' "$file"
