#!/usr/bin/env bash
# The login wave's scale-out variant, in one run: a second gateway instance, started while the wave runs, takes
# half of the new customers once its readiness is UP, with no failed request.
#
#   ./mvnw -q -B -pl gateway -am package -DskipTests    # once: builds gateway/target/gateway.jar
#   load-test/scale-out.sh
#
# Starts a Redis on a free port and the first gateway instance on it (profiles local,loadtest: SMS to the
# simulation's sink), waits for its readiness, starts LoginWaveSimulation with -DsecondBaseUrl pointing at a port
# nothing listens on yet, and SCALE_OUT_SECOND_AFTER seconds after the simulation has begun launches the second
# instance there, on the same Redis. The simulation polls the second instance's readiness and, from
# -DscaleOutAt once it is UP, sends every other new customer to it (LoginWaveSimulation, ScaleOut). Passes when
# Gatling's assertions pass (no failed request, logins on the second instance, the login wave's own ones) and
# the run's console shows no failed request and customers on the second instance. Stops everything it started.
# Installs nothing; needs redis-server and a JDK.
#
# Settings (environment):
#   SCALE_OUT_USERS=600          customers over SCALE_OUT_RAMP=120s (the login wave's rate, for longer)
#   SCALE_OUT_SECOND_AFTER=10    seconds after the simulation starts to launch the second instance
#   SCALE_OUT_AT=<that>s         -DscaleOutAt: the earliest second of the run the second instance takes customers
#   SCALE_OUT_JAVA_OPTS="-Xms512m -Xmx512m"                 JVM options of both instances
#   SCALE_OUT_JAR=gateway/target/gateway.jar                SCALE_OUT_OUT=load-test/results/scale-out-<time>
#   SCALE_OUT_GATLING_ARGS       more -D settings for the simulation (e.g. -DmaxP99Ms=3000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USERS=${SCALE_OUT_USERS:-600}
RAMP=${SCALE_OUT_RAMP:-120s}
SECOND_AFTER=${SCALE_OUT_SECOND_AFTER:-10}
AT=${SCALE_OUT_AT:-${SECOND_AFTER}s}
JAVA_OPTS=${SCALE_OUT_JAVA_OPTS:--Xms512m -Xmx512m}
JAR=${SCALE_OUT_JAR:-$ROOT/gateway/target/gateway.jar}
OUT=${SCALE_OUT_OUT:-$ROOT/load-test/results/scale-out-$(date +%Y%m%d-%H%M%S)}
read -r -a GATLING_ARGS <<<"${SCALE_OUT_GATLING_ARGS:-}"

log() { printf '[scale-out] %s\n' "$*" >&2; }
die() { printf '[scale-out] %s\n' "$*" >&2; exit 1; }

command -v redis-server >/dev/null || die "missing redis-server (Debian: apt-get install -y redis-server)"
command -v java >/dev/null || die "missing a JDK 17+ (java)"
command -v setsid >/dev/null || die "missing setsid (util-linux)"
[[ -f $JAR ]] || die "no gateway jar at $JAR: build it with ./mvnw -q -B -pl gateway -am package -DskipTests"
[[ $SECOND_AFTER =~ ^[0-9]+$ ]] || die "SCALE_OUT_SECOND_AFTER must be whole seconds, was $SECOND_AFTER"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- everything started here is stopped on exit ------------------------------------------------------------------
PIDS=()
REDIS_PID=""
MAVEN_PID=""
stop() { # pid...
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
cleanup() {
  # Maven runs in a session of its own (setsid), so its forked Gatling JVM goes with it.
  if [[ -n $MAVEN_PID ]] && kill -0 "$MAVEN_PID" 2>/dev/null; then kill -- "-$MAVEN_PID" 2>/dev/null || true; fi
  # The gateways first, so they do not lose their Redis while they shut down.
  ((${#PIDS[@]} == 0)) || stop "${PIDS[@]}"
  [[ -z $REDIS_PID ]] || stop "$REDIS_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- Redis, shared by both instances -----------------------------------------------------------------------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
  --logfile "$OUT/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break; sleep 0.2; done

# One gateway instance on that Redis, its console in $OUT/<name>.log; sets STARTED_PID. Started from the
# repository root, so ./config/ (with the loadtest profile) is read as it is now.
start_gateway() { # name port
  # shellcheck disable=SC2086
  (cd "$ROOT" && REDIS_URL="redis://127.0.0.1:$REDIS_PORT" exec java $JAVA_OPTS -jar "$JAR" \
    --spring.profiles.active=local,loadtest --server.port="$2" >"$OUT/$1.log" 2>&1) &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

FIRST_PORT=$(free_port)
start_gateway gateway-1 "$FIRST_PORT"
FIRST_PID=$STARTED_PID
log "Redis :$REDIS_PORT, first gateway instance :$FIRST_PORT (pid $FIRST_PID); results in $OUT"
for i in $(seq 1 1800); do
  curl -sf -o /dev/null "http://127.0.0.1:$FIRST_PORT/actuator/health/readiness" && break
  kill -0 "$FIRST_PID" 2>/dev/null || die "the first instance exited; see $OUT/gateway-1.log"
  ((i == 1800)) && die "the first instance was not ready within 180 s; see $OUT/gateway-1.log"
  sleep 0.1
done
SECOND_PORT=$(free_port)

# --- the login wave, and the second instance while it runs -------------------------------------------------------
log "compiling the simulations"
(cd "$ROOT" && ./mvnw -B -q -Pload-test -pl load-test test-compile) || die "the simulations did not compile"
log "login wave: $USERS customers over $RAMP; the second instance :$SECOND_PORT launches $SECOND_AFTER s into it"
(cd "$ROOT" && exec setsid ./mvnw -B -Pload-test -pl load-test gatling:test \
  -Dgatling.simulationClass=kz.cvety.load.LoginWaveSimulation -DbaseUrl="http://127.0.0.1:$FIRST_PORT" \
  -DsecondBaseUrl="http://127.0.0.1:$SECOND_PORT" -DscaleOutAt="$AT" -Dusers="$USERS" -Dramp="$RAMP" \
  ${GATLING_ARGS[@]+"${GATLING_ARGS[@]}"} >"$OUT/gatling.log" 2>&1) &
MAVEN_PID=$!
# The simulation prints its first "LoginWave:" line as it starts injecting customers.
for i in $(seq 1 3000); do
  grep -q '^LoginWave: ' "$OUT/gatling.log" && break
  kill -0 "$MAVEN_PID" 2>/dev/null || die "Gatling ended before the simulation started; see $OUT/gatling.log"
  ((i == 3000)) && die "the simulation did not start within 300 s; see $OUT/gatling.log"
  sleep 0.1
done
sleep "$SECOND_AFTER"
start_gateway gateway-2 "$SECOND_PORT"
log "launched the second instance :$SECOND_PORT (pid $STARTED_PID)"

status=0
wait "$MAVEN_PID" || status=$?
MAVEN_PID=""

# --- the verdict -----------------------------------------------------------------------------------------------
grep -E '^LoginWave: |^> request count |: (true|false) \(actual' "$OUT/gatling.log" || true
for name in gateway-1 gateway-2; do
  log "$name log: $(wc -l <"$OUT/$name.log") lines, $(grep -cE ' (WARN|ERROR) ' "$OUT/$name.log" || true) WARN/ERROR"
done
report=$(sed -n 's|.*please open the following file: file://\(.*\)/index.html.*|\1|p' "$OUT/gatling.log" | tail -1)
if [[ -n $report && -d $report ]]; then
  cp -r "$report" "$OUT/gatling-report"
  log "Gatling's report: $OUT/gatling-report/index.html"
fi
# The run's global line: "> request count | total | OK | KO", where Gatling writes no KO as "-".
failed=$(awk -F'|' '/^> request count / {gsub(/[ ,]/, "", $4); print ($4 == "-") ? 0 : $4}' "$OUT/gatling.log" | tail -1)
second=$(sed -n 's/^LoginWave: scale-out: .* \([0-9]*\) on the second$/\1/p' "$OUT/gatling.log" | head -1)
[[ -n $failed ]] || die "FAILED: no Gatling results (see $OUT/gatling.log)"
((failed == 0)) || die "FAILED: $failed failed requests (see $OUT/gatling.log)"
[[ -n $second && $second -gt 0 ]] || die "FAILED: no customer logged in on the second instance"
((status == 0)) || die "FAILED: Gatling ended with status $status (an assertion failed; see $OUT/gatling.log)"
log "PASSED: no failed request; $second customers logged in on the second instance, launched mid-run"
