#!/usr/bin/env bash
# Summarises where a JFR recording's CPU samples went (bench.sh BENCH_JFR=1 writes one recording per row):
#
#   load-test/jfr-top.sh load-test/results/bench-<time>/limited.jfr [N]
#
# Prints the N (default 25) hottest methods by own samples (top of stack), the share of samples spent in (under)
# each library, and the N hottest frames of this project (kz.cvety) and of bucket4j, Lettuce and logging, by
# samples that had them anywhere on the stack. Needs the JDK's jfr tool.
set -euo pipefail

file=${1:?usage: jfr-top.sh <recording.jfr> [N]}
top=${2:-25}
command -v jfr >/dev/null || { echo "jfr (from a JDK) is not on the PATH" >&2; exit 1; }

jfr print --events jdk.ExecutionSample --stack-depth 96 "$file" | awk -v top="$top" '
  function flush(   i, frame, seen, lib, libs) {
    if (n == 0) return
    samples++
    self[frames[1]]++
    delete seen
    delete libs
    for (i = 1; i <= n; i++) {
      frame = frames[i]
      if (!(frame in seen)) {
        seen[frame] = 1
        if (frame ~ /^(kz\.cvety|io\.github\.bucket4j|io\.lettuce|ch\.qos\.logback|org\.apache\.commons\.logging|org\.slf4j)/) incl[frame]++
      }
      lib = library(frame)
      if (!(lib in libs)) { libs[lib] = 1; inlib[lib]++ }
    }
    n = 0
  }
  function library(frame) {
    if (frame ~ /^kz\.cvety/) return "kz.cvety (this project)"
    if (frame ~ /^io\.github\.bucket4j/) return "bucket4j"
    if (frame ~ /^io\.lettuce/) return "Lettuce"
    if (frame ~ /^org\.springframework\.data\.redis/) return "Spring Data Redis"
    if (frame ~ /^org\.springframework\.cloud\.gateway/) return "Spring Cloud Gateway"
    if (frame ~ /^io\.github\.resilience4j/) return "Resilience4j"
    if (frame ~ /^io\.micrometer/) return "Micrometer"
    if (frame ~ /^(ch\.qos\.logback|org\.slf4j|org\.apache\.commons\.logging|org\.apache\.logging)/) return "logging"
    if (frame ~ /^(tools\.jackson|com\.fasterxml\.jackson)/) return "Jackson"
    if (frame ~ /^com\.google\.i18n\.phonenumbers/) return "libphonenumber"
    if (frame ~ /^com\.nimbusds/) return "Nimbus JOSE (JWT)"
    if (frame ~ /^com\.github\.benmanes\.caffeine/) return "Caffeine"
    if (frame ~ /^reactor\.netty/) return "Reactor Netty"
    if (frame ~ /^reactor\./) return "Reactor"
    if (frame ~ /^io\.netty/) return "Netty"
    if (frame ~ /^org\.springframework\.web|^org\.springframework\.http/) return "Spring WebFlux"
    if (frame ~ /^javax\.crypto|^com\.sun\.crypto|^sun\.security/) return "JDK crypto"
    return "(other)"
  }
  /^jdk\.ExecutionSample/ { flush(); inside = 0; next }
  /stackTrace = \[/ { inside = 1; next }
  inside && /^[ \t]+\]/ { inside = 0; next }
  inside && /^[ \t]+\.\.\./ { next }
  inside {
    frame = $0
    sub(/^[ \t]+/, "", frame)
    sub(/[ \t]+line:.*$/, "", frame)
    frames[++n] = frame
  }
  END {
    flush()
    if (samples == 0) { print "no execution samples"; exit }
    printf "%d CPU samples (jdk.ExecutionSample)\n\n", samples
    printf "Hottest methods (own samples):\n"
    report(self, top)
    printf "\nSamples under each library (a sample counts once per library on its stack):\n"
    report(inlib, 30)
    printf "\nHottest frames of kz.cvety, bucket4j, Lettuce and logging (samples with the frame on the stack):\n"
    report(incl, top)
  }
  function report(counts, limit,   key, sorted, i, k, tmp) {
    k = 0
    for (key in counts) sorted[++k] = key
    for (i = 2; i <= k; i++) {
      tmp = sorted[i]
      j = i - 1
      while (j > 0 && counts[sorted[j]] < counts[tmp]) { sorted[j + 1] = sorted[j]; j-- }
      sorted[j + 1] = tmp
    }
    for (i = 1; i <= k && i <= limit; i++) printf "  %6.1f%%  %6d  %s\n", 100 * counts[sorted[i]] / samples, counts[sorted[i]], sorted[i]
  }
'
