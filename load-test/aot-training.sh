#!/usr/bin/env bash
# Training run for a JDK 25 AOT cache (JEP 483/514/515) of the extracted gateway: gateway/Dockerfile runs it at
# image build, load-test/aot-startup.sh runs it before measuring. Needs bash and a JDK 25+ java, nothing else
# (no curl: HTTP goes through bash's /dev/tcp), so it runs in a JRE image as it is.
#
#   java -Djarmode=tools -jar gateway/target/gateway.jar extract --destination app   # app/gateway.jar + app/lib/
#   cp config/application*.yml app/config/
#   cd app && ../load-test/aot-training.sh app.aot
#
# Runs the gateway from the current directory (gateway.jar, lib/, config/) with -XX:AOTCacheOutput and the local
# profile, so an embedded redis-server comes up with it and no Redis, backend or secret is needed. It waits for
# readiness, which comes only after the OTP warm-up (cvety.otp.warm-up.*) has driven every OTP path against that
# Redis (all its passes: a slow build machine gets 5 minutes for them, not the minute an instance waits; it then also waits for the JIT compiler, whose profiles go into the cache), then sends
# request-otp and verify-otp requests, stops the gateway with SIGTERM and checks that the JVM wrote the cache. The cache holds the classes loaded and linked and the method profiles of this run; it is valid
# only for the same JDK build and the same jars (paths, sizes, times), so the image makes it where it runs.
#
# Settings (environment): AOT_JAVA=java (a JDK 25+), AOT_JAVA_OPTS (JVM options of the run, as at run time),
# AOT_PORT=18080, AOT_REQUESTS=400 (request-otp and as many verify-otp), AOT_READY_SECONDS=180.
set -euo pipefail

CACHE=${1:?usage: aot-training.sh <cache file to write>}
JAVA=${AOT_JAVA:-java}
JAVA_OPTS=${AOT_JAVA_OPTS:-}
PORT=${AOT_PORT:-18080}
REQUESTS=${AOT_REQUESTS:-400}
READY_SECONDS=${AOT_READY_SECONDS:-180}
LOG=${AOT_LOG:-aot-training.log}

log() { printf '[aot-training] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -f gateway.jar && -d lib ]] || die "run it in the extracted application (gateway.jar and lib/ here), not in $PWD"

# One HTTP/1.1 request on a connection of its own; prints the status code.
http() { # method path [json body]
  local body=${3:-} status
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "${#body}" "$body" >&3
  read -r -t 10 _ status _ <&3 || status=000
  cat <&3 >/dev/null || true
  exec 3<&-
  echo "$status"
}

rm -f "$CACHE"
# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS -XX:AOTCacheOutput="$CACHE" -jar gateway.jar --spring.profiles.active=local \
  --server.port="$PORT" --logging.level.kz.cvety=INFO --cvety.otp.warm-up.timeout=5m >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT

for ((i = 0; i < READY_SECONDS * 5; i++)); do
  [[ $(http GET /actuator/health/readiness 2>/dev/null) == 200 ]] && break
  kill -0 "$PID" 2>/dev/null || die "the gateway exited before readiness; see $LOG"
  sleep 0.2
done
((i < READY_SECONDS * 5)) || die "the gateway was not ready within $READY_SECONDS s; see $LOG"
log "ready: $(grep -oE 'OTP paths warmed up.*|OTP warm-up incomplete[^,]*' "$LOG" | head -1)"

declare -A seen=()
for ((n = 0; n < REQUESTS; n++)); do
  phone=$(printf '+7702%07d' "$n")
  s=$(http POST /api/auth/request-otp "{\"phone\":\"$phone\"}")
  seen[send-$s]=$((${seen[send-$s]:-0} + 1))
  s=$(http POST /api/auth/verify-otp "{\"phone\":\"$phone\",\"otp_code\":\"000000\"}")
  seen[verify-$s]=$((${seen[verify-$s]:-0} + 1))
done
log "answers: $(for k in "${!seen[@]}"; do printf '%s=%s ' "$k" "${seen[$k]}"; done)"

kill -TERM "$PID"
wait "$PID" || true
trap - EXIT
[[ -s $CACHE ]] || die "the JVM wrote no AOT cache to $CACHE; see $LOG"
log "wrote $CACHE ($(du -h "$CACHE" | cut -f1))"
