#!/usr/bin/env bash
# Side-by-side benchmark of the gateway on this machine, in one run:
#
#   ./mvnw -q -B -pl gateway -am package -DskipTests    # once: builds gateway/target/gateway.jar
#   load-test/bench.sh                                    # ~10 minutes; BENCH_DURATION=10s for a quick run
#
# Starts a Redis on a free port, nginx (backend and SMS webhook, 200 {} to everything) and the gateway jar with
# the bench profile (config/application-bench.yml), warms every row up, then measures each row with wrk
# (same threads, connections and duration for all): the backend direct, the plain proxied route, Spring Cloud
# Gateway's RequestRateLimiter with its RedisRateLimiter and with its Bucket4jRateLimiter, our RateLimit route,
# request-otp admitted (random phones; again with a client IP of its own per request; and with a phone never
# used before in the run), request-otp refused (one phone hammered) and verify-otp with wrong codes; then the
# new-phone load on two gateway instances sharing the Redis, and on a freshly started instance from the moment it
# reports readiness. Writes each measured row's raw figures to measurements.txt in the results folder,
# prints the report that load-test/bench/BenchReport.java makes of them (one table and the throughput ratios
# against their targets), and stops everything it started. Installs nothing.
# The report of a finished run again: java load-test/bench/BenchReport.java load-test/results/bench-<time>
#
# Settings (environment):
#   BENCH_DURATION=30s     measured time per row          BENCH_WARMUP=20s   warm-up per row and pass
#   BENCH_WARMUP_PASSES=3  at most this many warm-up passes over all rows; fewer once the JIT compiler threads
#                          used at most BENCH_JIT_SETTLED=10 % of one core during a pass
#   BENCH_CONNECTIONS=64   wrk connections                BENCH_THREADS=2    wrk threads
#   BENCH_ROUNDS=1         measure all rows this many times, round robin; each row is reported from its median
#                          round by req/s, with the range of req/s over the rounds (noise on a shared machine)
#   BENCH_ROWS=all         or a comma list of row names
#                          (backend,plain,scg,scg-bucket4j,limited,admitted,admitted-ips,admitted-new,refused,
#                          verify,two-instances,cold-start); the new rows alone, with the row they are compared
#                          with: BENCH_ROWS=admitted-new,two-instances,cold-start
#                          two-instances: the new-phone load (one client IP) on the gateway and a second instance
#                          on the same Redis, one wrk whose threads alternate between them (at least 2 threads)
#                          cold-start: a gateway started fresh for the row, measured for BENCH_COLD_WINDOW from the
#                          moment its readiness is UP, kept under the same load for BENCH_COLD_LOAD, then
#                          measured again for BENCH_COLD_WINDOW (reported as two rows); never warmed up
#   BENCH_COLD_WINDOW=10s  measured time of both cold-start rows   BENCH_COLD_LOAD=60s  load between them
#   BENCH_JAVA_OPTS="-Xms512m -Xmx512m"                   JVM options of the gateway
#   BENCH_RUNTIME=jar      jar: every gateway runs the jar with the java on the PATH; image: as the container image
#                          runs it (gateway/Dockerfile): the jar extracted, on a JDK 25 (BENCH_JDK25=
#                          /usr/lib/jvm/temurin-25-jdk-amd64) with an AOT cache that aot-training.sh makes before the
#                          run (about a minute). BENCH_COLD_RUNTIME (default BENCH_RUNTIME) sets the cold-start
#                          instance's runtime alone, e.g. BENCH_COLD_RUNTIME=image to measure readiness as shipped
#   BENCH_TRACING=off      on: the shipped tracing defaults (sampling 0.1, context propagation auto, no OTLP
#                          endpoint); off: tracing switched off (management.tracing.export.enabled=false, sampling 0,
#                          spring.reactor.context-propagation=limited), comparable with runs from before tracing
#   BENCH_JFR=1            record one JFR file per measured row (settings=profile) into the results folder
#   BENCH_ASPROF=<path>    async-profiler's asprof launcher: one CPU profile per measured row (collapsed stacks
#                          and a flame graph) into the results folder. Sampling costs far less than JFR and does
#                          not hold back the JIT; see load-test/README.md for where to get it.
#   BENCH_JAR=gateway/target/gateway.jar                  BENCH_OUT=load-test/results/bench-<time>
#   BENCH_PHONES=100000    phones of the admitted and verify rows (+77010000000 onwards, at most 1000000;
#                          admitted-ips: the same count from +77011000000)
#   BENCH_REDIS_SERVER     redis-server binary (default: the one on the PATH; "embedded": the embedded-redis jar's)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${BENCH_DURATION:-30s}
WARMUP=${BENCH_WARMUP:-20s}
ROUNDS=${BENCH_ROUNDS:-1}
WARMUP_PASSES=${BENCH_WARMUP_PASSES:-3}
JIT_SETTLED=${BENCH_JIT_SETTLED:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROWS=${BENCH_ROWS:-all}
COLD_WINDOW=${BENCH_COLD_WINDOW:-10s}
COLD_LOAD=${BENCH_COLD_LOAD:-60s}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx512m}
TRACING=${BENCH_TRACING:-off}
case $TRACING in
  on) TRACING_ARGS=() ;;
  off) TRACING_ARGS=(--management.tracing.export.enabled=false --management.tracing.sampling.probability=0.0
    --spring.reactor.context-propagation=limited) ;;
  *) printf '[bench] BENCH_TRACING must be on or off, was %s\n' "$TRACING" >&2; exit 1 ;;
esac
RUNTIME=${BENCH_RUNTIME:-jar}
COLD_RUNTIME=${BENCH_COLD_RUNTIME:-$RUNTIME}
JDK25=${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
for runtime in "$RUNTIME" "$COLD_RUNTIME"; do
  [[ $runtime == jar || $runtime == image ]] || { printf '[bench] BENCH_RUNTIME and BENCH_COLD_RUNTIME are jar or image, not %s\n' "$runtime" >&2; exit 1; }
done
JFR=${BENCH_JFR:-}
ASPROF=${BENCH_ASPROF:-}
JAR=${BENCH_JAR:-$ROOT/gateway/target/gateway.jar}
OUT=${BENCH_OUT:-$ROOT/load-test/results/bench-$(date +%Y%m%d-%H%M%S)}
export BENCH_PHONES=${BENCH_PHONES:-100000}
export BENCH_LUA=$ROOT/load-test/bench/bench.lua
EMBEDDED_REDIS_JAR=${BENCH_EMBEDDED_REDIS_JAR:-$HOME/.m2/repository/com/github/codemonstur/embedded-redis/1.4.4/embedded-redis-1.4.4.jar}
EMBEDDED_REDIS_BINARY=redis-server-6.2.6-v5-linux-amd64

ALL_ROWS=(backend plain scg scg-bucket4j limited admitted admitted-ips admitted-new refused verify two-instances
  cold-start)
REPORT=$ROOT/load-test/bench/BenchReport.java

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] %s\n' "$*" >&2; exit 1; }

# --- prerequisites: checked, never installed -----------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=("wrk")
command -v nginx >/dev/null || missing+=("nginx-light")
command -v java >/dev/null || missing+=("a JDK 17+ (java)")
REDIS_SERVER=${BENCH_REDIS_SERVER:-$(command -v redis-server || true)}
[[ $REDIS_SERVER == embedded ]] && REDIS_SERVER=""
if [[ -z $REDIS_SERVER ]]; then
  if [[ ! -f $EMBEDDED_REDIS_JAR ]]; then
    missing+=("redis-server (or the embedded-redis jar in ~/.m2: run ./mvnw -B verify once)")
  elif ! command -v unzip >/dev/null; then
    missing+=("unzip (to take redis-server out of the embedded-redis jar)")
  fi
fi
if ((${#missing[@]})); then
  die "missing: ${missing[*]}. On Debian/Ubuntu: apt-get update && apt-get install -y wrk nginx-light redis-server"
fi
[[ -f $JAR ]] || die "no gateway jar at $JAR: build it with ./mvnw -q -B -pl gateway -am package -DskipTests"
JAR=$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")
if [[ $RUNTIME == image || $COLD_RUNTIME == image ]] && [[ ! -x $JDK25/bin/java ]]; then
  die "BENCH_RUNTIME=image needs a JDK 25+ at BENCH_JDK25=$JDK25"
fi
if [[ -n $JFR ]] && ! command -v jcmd >/dev/null; then die "BENCH_JFR needs jcmd (a full JDK)"; fi
if [[ -n $ASPROF ]] && [[ ! -x $ASPROF ]]; then die "BENCH_ASPROF=$ASPROF is not an executable asprof"; fi
[[ $ROWS == all ]] && ROWS=$(IFS=,; echo "${ALL_ROWS[*]}")
IFS=, read -r -a SELECTED <<<"$ROWS"
for row in "${SELECTED[@]}"; do [[ " ${ALL_ROWS[*]} " == *" $row "* ]] || die "unknown row '$row' (rows: ${ALL_ROWS[*]})"; done
selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }
# A duration as wrk takes it (10s, 2m) in whole seconds.
seconds_of() {
  case $1 in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
[[ $(seconds_of "$COLD_WINDOW") =~ ^[1-9][0-9]*$ ]] || die "BENCH_COLD_WINDOW must be seconds or minutes (10s), was $COLD_WINDOW"
[[ $(seconds_of "$COLD_LOAD") =~ ^[0-9]+$ ]] || die "BENCH_COLD_LOAD must be seconds or minutes (60s), was $COLD_LOAD"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- everything started here is stopped on exit ------------------------------------------------------------------
PIDS=()
cleanup() {
  local pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wait_for_port() { # port seconds what
  for _ in $(seq 1 $(($2 * 5))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  die "$3 did not listen on 127.0.0.1:$1 within $2 s (see $OUT)"
}

# --- Redis ---------------------------------------------------------------------------------------------------------
REDIS_PORT=$(free_port)
if [[ -z $REDIS_SERVER ]]; then
  (cd "$OUT" && unzip -o -q "$EMBEDDED_REDIS_JAR" "$EMBEDDED_REDIS_BINARY") || die "cannot extract $EMBEDDED_REDIS_BINARY"
  REDIS_SERVER=$OUT/$EMBEDDED_REDIS_BINARY
  chmod +x "$REDIS_SERVER"
fi
"$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
  --logfile "$OUT/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for_port "$REDIS_PORT" 10 "redis-server"

# One Redis command; redis-cli if there is one, else RESP over bash's /dev/tcp.
redis() {
  if command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
    return
  fi
  local request="*$#\r\n" arg line
  for arg in "$@"; do request+="\$${#arg}\r\n${arg}\r\n"; done
  exec 9<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
  printf '%b' "$request" >&9
  IFS= read -r line <&9
  line=${line%$'\r'}
  case $line in
    \$*) head -c "${line#\$}" <&9 | tr -d '\r' ;;
    *) echo "${line#?}" ;;
  esac
  exec 9>&-
}

# --- nginx: backend and SMS sink -------------------------------------------------------------------------------
NGINX_PORT=$(free_port)
write_nginx_conf "$OUT/nginx" "$NGINX_PORT"
nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for_port "$NGINX_PORT" 10 "nginx"
NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1)

# --- the gateway -------------------------------------------------------------------------------------------------
# The image runtime: the jar extracted as gateway/Dockerfile does (gateway.jar and lib/, config/ beside them) and
# an AOT cache from aot-training.sh's training run, made once for the run, as the image build makes it.
if [[ $RUNTIME == image || $COLD_RUNTIME == image ]]; then
  IMAGE_DIR=$OUT/image
  # Named gateway.jar whatever BENCH_JAR is called, as in the image.
  "$JDK25/bin/java" -Djarmode=tools -jar "$JAR" extract --destination "$IMAGE_DIR" \
    --application-filename gateway.jar >/dev/null
  mkdir -p "$IMAGE_DIR/config" && cp "$ROOT"/config/application*.yml "$IMAGE_DIR/config/"
  log "training run for the image runtime's AOT cache (load-test/aot-training.sh, $JDK25)"
  trained=$(date +%s)
  (cd "$IMAGE_DIR" && AOT_JAVA=$JDK25/bin/java AOT_JAVA_OPTS=$JAVA_OPTS AOT_PORT=$(free_port) \
    "$ROOT/load-test/aot-training.sh" app.aot) || die "the AOT training run failed; see $IMAGE_DIR/aot-training.log"
  log "AOT cache made in $(($(date +%s) - trained)) s"
fi

# One gateway instance on the run's Redis and nginx, its console in $OUT/<name>.log; sets STARTED_PID and
# STARTED_URL. The jar runtime starts from the repository root, so ./config/ (with the bench profile) is read as it
# is now; the image runtime from the extracted jar, with a copy of ./config/ made at the start of the run.
start_gateway() { # name [runtime]
  # shellcheck disable=SC2206
  local port dir=$ROOT command=(java $JAVA_OPTS -jar "$JAR")
  port=$(free_port)
  if [[ ${2:-$RUNTIME} == image ]]; then
    # shellcheck disable=SC2206
    dir=$IMAGE_DIR command=("$JDK25/bin/java" -XX:AOTCache=app.aot $JAVA_OPTS -jar gateway.jar)
  fi
  # shellcheck disable=SC2086
  (cd "$dir" && exec "${command[@]}" --spring.profiles.active=bench --server.port="$port" \
    --spring.data.redis.url="redis://127.0.0.1:$REDIS_PORT" --bench.backend-url="http://127.0.0.1:$NGINX_PORT" \
    ${TRACING_ARGS[@]+"${TRACING_ARGS[@]}"} >"$OUT/$1.log" 2>&1) &
  STARTED_PID=$!
  STARTED_URL=http://127.0.0.1:$port
  PIDS+=("$STARTED_PID")
}

# Polls a health endpoint every 0.1 s until it says UP (the actuator answers 200 then, 503 otherwise).
wait_until_up() { # pid url health-path log-name
  local i
  for ((i = 1; i <= 1800; i++)); do
    if curl -sf -o /dev/null "$2$3" 2>/dev/null; then return 0; fi
    kill -0 "$1" 2>/dev/null || die "the gateway exited; see $OUT/$4.log"
    sleep 0.1
  done
  die "the gateway was not UP at $3 within 180 s; see $OUT/$4.log"
}

stop_gateway() { # pid
  local pid=$1 kept=() p
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

start_gateway gateway
GATEWAY_PID=$STARTED_PID
GATEWAY_URL=$STARTED_URL
log "Redis :$REDIS_PORT ($("$REDIS_SERVER" --version | awk '{print $3}')), nginx :$NGINX_PORT, gateway :${GATEWAY_URL##*:} (pid $GATEWAY_PID); results in $OUT"
wait_until_up "$GATEWAY_PID" "$GATEWAY_URL" /actuator/health gateway
SECOND_PID=""
SECOND_URL=""
if selected two-instances; then
  # The second instance of the two-instance row, on the same Redis: warmed up and measured with that row only.
  # Started once the first is up, so the two start-ups do not share the cores.
  start_gateway gateway-2
  SECOND_PID=$STARTED_PID
  SECOND_URL=$STARTED_URL
  log "second gateway instance :${SECOND_URL##*:} (pid $SECOND_PID) for the two-instance row"
  wait_until_up "$SECOND_PID" "$SECOND_URL" /actuator/health gateway-2
fi
# The instance the cold-start rows run on; started by measure_cold, one per round.
COLD_PID=""
COLD_URL=""

# --- measuring -------------------------------------------------------------------------------------------------
# The gateway instances a row runs on (the gateway's columns add theirs up): ROW_PIDS and ROW_URLS.
ROW_PIDS=("$GATEWAY_PID")
ROW_URLS=("$GATEWAY_URL")
row_gateways() { # row
  case $1 in
    two-instances) ROW_PIDS=("$GATEWAY_PID" "$SECOND_PID") ROW_URLS=("$GATEWAY_URL" "$SECOND_URL") ;;
    cold-start | cold-loaded) ROW_PIDS=("$COLD_PID") ROW_URLS=("$COLD_URL") ;;
    *) ROW_PIDS=("$GATEWAY_PID") ROW_URLS=("$GATEWAY_URL") ;;
  esac
}
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
gateway_ticks() {
  local pid total=0
  for pid in "${ROW_PIDS[@]}"; do total=$((total + $(cpu_ticks "$pid"))); done
  echo "$total"
}
# CPU ticks of the row's gateways' JIT compiler threads (C1, C2).
jit_ticks() {
  local pid task comm total=0 ticks
  for pid in "${ROW_PIDS[@]}"; do
    for task in /proc/"$pid"/task/*; do
      read -r comm <"$task/comm" 2>/dev/null || continue
      if [[ $comm == C[12]\ CompilerThre* ]]; then
        ticks=$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)
        total=$((total + ticks))
      fi
    done
  done
  echo "$total"
}
# The row's gateways' Prometheus scrapes, one after another.
prometheus() {
  local url
  for url in "${ROW_URLS[@]}"; do curl -sf "$url/actuator/prometheus"; done
}
heap_used_mib() {
  prometheus | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {sum += $NF} END {printf "%.0f", sum / 1048576}'
}
failed_open_count() {
  prometheus | awk '/^cvety_otp_limit_decisions_total\{.*outcome="failed_open"/ {sum += $NF} END {printf "%.0f", sum}'
}
# Busy CPU ticks of the whole machine (all cores), to tell how much other processes took during a row.
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# CPU seconds used by this shell's finished children (wrk among them), from the "times" builtin, into CHILDREN_CPU.
# Called as a plain command: in a pipeline or $(...) "times" runs in a subshell and counts only that subshell's
# children, none.
children_cpu_seconds() {
  times >"$OUT/times.txt"
  CHILDREN_CPU=$(awk 'NR == 2 {
    for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); s += t[1] * 60 + t[2] }
    printf "%.3f", s }' "$OUT/times.txt")
}
gc_pause_seconds() {
  prometheus | awk '/^jvm_gc_pause_seconds_sum/ {sum += $NF} END {printf "%.3f", sum}'
}

url_of() {
  case $1 in
    backend) echo "http://127.0.0.1:$NGINX_PORT/bench/plain/item" ;;
    plain) echo "$GATEWAY_URL/bench/plain/item" ;;
    scg) echo "$GATEWAY_URL/bench/scg/item" ;;
    scg-bucket4j) echo "$GATEWAY_URL/bench/scg-bucket4j/item" ;;
    limited) echo "$GATEWAY_URL/bench/limited/item" ;;
    admitted | admitted-ips | admitted-new | refused | two-instances) echo "$GATEWAY_URL/api/auth/request-otp" ;;
    cold-start | cold-loaded) echo "$COLD_URL/api/auth/request-otp" ;;
    verify) echo "$GATEWAY_URL/api/auth/verify-otp" ;;
  esac
}
mode_of() {
  case $1 in
    admitted) echo send-random ;;
    admitted-ips) echo send-random-ips ;;
    admitted-new | two-instances | cold-start | cold-loaded) echo send-new ;;
    refused) echo send-one ;;
    verify) echo verify-wrong ;;
    *) echo get ;;
  esac
}

# wrk threads of a row: the two-instance row needs an even count, its threads alternating between the instances.
threads_of() { # row
  if [[ $1 == two-instances ]]; then echo $(((THREADS + 1) / 2 * 2)); else echo "$THREADS"; fi
}

NEW_PHONE_RUNS=0
run_wrk() { # row duration output
  local second=""
  # Each run of a new-phone row starts in a block of numbers no earlier run of any of them used.
  if [[ $(mode_of "$1") == send-new ]]; then
    NEW_PHONE_RUNS=$((NEW_PHONE_RUNS + 1))
    export BENCH_NEW_PHONE_BLOCK=$NEW_PHONE_RUNS
  fi
  [[ $1 == two-instances ]] && second=${SECOND_URL#http://}
  BENCH_SECOND_ADDR=$second BENCH_MODE=$(mode_of "$1") wrk -t"$(threads_of "$1")" -c"$CONNECTIONS" -d"$2" --latency \
    -s "$BENCH_LUA" "$(url_of "$1")" >"$3" 2>&1
}

# One request per row first, so a broken setup stops here rather than measuring error pages.
smoke() { # row -> HTTP status
  local body=()
  case $1 in
    admitted) body=(-H 'Content-Type: application/json' -d '{"phone":"+77010999999"}') ;;
    admitted-ips) body=(-H 'Content-Type: application/json' -H 'X-Forwarded-For: 100.64.0.1' -d '{"phone":"+77011999999"}') ;;
    admitted-new) body=(-H 'Content-Type: application/json' -d '{"phone":"+77029999999"}') ;;
    two-instances) body=(-H 'Content-Type: application/json' -d '{"phone":"+77029999998"}') ;;
    verify) body=(-H 'Content-Type: application/json' -d '{"phone":"+77010999998","otp_code":"000000"}') ;;
  esac
  curl -s -o "$OUT/smoke-$1.txt" -w '%{http_code}' "${body[@]}" "$(url_of "$1")"
}
for row in "${SELECTED[@]}"; do
  case $row in
    refused | cold-start) continue ;;
    verify) expected=401 ;;
    *) expected=200 ;;
  esac
  status=$(smoke "$row")
  [[ $status == "$expected" ]] || die "smoke test of $row ($(url_of "$row")) answered $status, expected $expected: $(head -c 300 "$OUT/smoke-$row.txt")"
done
if [[ -n $SECOND_URL ]]; then
  status=$(curl -s -o "$OUT/smoke-gateway-2.txt" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"phone":"+77029999997"}' "$SECOND_URL/api/auth/request-otp")
  [[ $status == 200 ]] || die "smoke test of the second instance answered $status: $(head -c 300 "$OUT/smoke-gateway-2.txt")"
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm-up passes over all rows until the JIT has (nearly) caught up: on 2 shared cores one C2 thread takes
# minutes to compile the gateway's hot paths, and a row measured while C2 still works pays for it. The
# cold-start rows are never warmed up: their instance starts when they are measured.
WARMED=()
for row in "${SELECTED[@]}"; do [[ $row == cold-start ]] || WARMED+=("$row"); done
ROW_PIDS=("$GATEWAY_PID" ${SECOND_PID:+"$SECOND_PID"})
pass=0
jit_share=0
while ((${#WARMED[@]})); do
  pass=$((pass + 1))
  log "warm-up pass $pass: $WARMUP per row (${WARMED[*]})"
  jit_before=$(jit_ticks)
  started=$(date +%s.%N)
  for row in "${WARMED[@]}"; do
    run_wrk "$row" "$WARMUP" "$OUT/warmup-$row.txt"
  done
  jit_share=$(awk -v t=$(($(jit_ticks) - jit_before)) -v hz="$CLK_TCK" -v a="$started" -v b="$(date +%s.%N)" \
    'BEGIN {printf "%.0f", 100 * t / hz / (b - a)}')
  log "JIT compiler threads used $jit_share% of one core during warm-up pass $pass"
  ((jit_share <= JIT_SETTLED || pass >= WARMUP_PASSES)) && break
done

# A row that made Redis time out leaves the gateway's Redis (or SMS) circuit open; Resilience4j half-opens it
# only on the first call after its open-state wait (5 s for Redis, 30 s for SMS), and health shows DOWN until
# then. So when a circuit is open, wait that long: the next row's first calls then probe it, and one row's
# collapse does not count against the next.
wait_for_closed_circuits() { # row
  local health url
  health=$(for url in "${ROW_URLS[@]}"; do curl -s "$url/actuator/health" || true; done)
  if [[ $health == *'"sms":{"status":"DOWN"'* ]]; then
    log "the gateway's SMS circuit is open before $1; waiting 31 s for it to half-open"
    sleep 31
  elif [[ $health == *'"otpStore":{"status":"DOWN"'* ]]; then
    log "the gateway's Redis circuit is open before $1; waiting 6 s for it to half-open"
    sleep 6
  fi
}

# CPU ticks of the processes a row runs on, and of the whole machine: "<name>_<suffix>=<ticks>" pairs.
tick_counters() { # suffix
  echo "gw_ticks_$1=$(gateway_ticks) jit_ticks_$1=$(jit_ticks) redis_ticks_$1=$(cpu_ticks "$REDIS_PID")" \
    "nginx_ticks_$1=$(cpu_ticks "$NGINX_WORKER_PID") busy_ticks_$1=$(machine_busy_ticks)"
}

# One measured row: its raw figures, counters before and after included, go to one line of measurements.txt
# (key=value pairs; BenchReport.java reads them), with wrk's output and Redis's commandstats beside it.
MEASUREMENTS=$OUT/measurements.txt
: >"$MEASUREMENTS"
# The gateway columns add up the row's instances; JFR and async-profiler record the first of them.
measure() { # row round [duration [extra key=value facts]]
  local row=$1 name="$1" duration=${3:-$DURATION} result before after started finished bench
  ((ROUNDS > 1)) && name="$1-round$2"
  result=$OUT/$name.txt
  row_gateways "$row"
  local GATEWAY_PID=${ROW_PIDS[0]}
  wait_for_closed_circuits "$name"
  log "measuring $name: wrk -t$(threads_of "$row") -c$CONNECTIONS -d$duration $(url_of "$row") (BENCH_MODE=$(mode_of "$row"))"
  redis CONFIG RESETSTAT >/dev/null
  if [[ -n $JFR ]]; then
    jcmd "$GATEWAY_PID" JFR.start name="$name" settings=profile filename="$OUT/$name.jfr" >/dev/null
  fi
  if [[ -n $ASPROF ]]; then
    # perf_events where the kernel allows it, else the interval timer; either way about 1,000 samples a second.
    "$ASPROF" start -e cpu -i 1ms "$GATEWAY_PID" >/dev/null 2>&1 \
      || "$ASPROF" start -e itimer -i 1ms "$GATEWAY_PID" >/dev/null \
      || die "asprof could not start profiling the gateway"
  fi
  before="gc_s_before=$(gc_pause_seconds) fail_open_before=$(failed_open_count)"
  before+=" $(tick_counters before)"
  children_cpu_seconds
  before+=" wrk_cpu_s_before=$CHILDREN_CPU"
  started=$(date +%s%N)
  run_wrk "$row" "$duration" "$result"
  finished=$(date +%s%N)
  children_cpu_seconds
  after="wrk_cpu_s_after=$CHILDREN_CPU $(tick_counters after)"
  if [[ -n $JFR ]]; then
    jcmd "$GATEWAY_PID" JFR.stop name="$name" >/dev/null
  fi
  if [[ -n $ASPROF ]]; then
    "$ASPROF" dump -o flamegraph -f "$OUT/$name.html" "$GATEWAY_PID" >/dev/null
    "$ASPROF" stop -o collapsed -f "$OUT/$name.collapsed" "$GATEWAY_PID" >/dev/null
  fi
  redis INFO commandstats | tr -d '\r' >"$OUT/$name.commandstats"
  after+=" gc_s_after=$(gc_pause_seconds) fail_open_after=$(failed_open_count) heap_mib=$(heap_used_mib)"
  bench=$(sed -n 's/^BENCH //p' "$result")
  [[ -n $bench ]] || die "wrk gave no result for $name; see $result"
  echo "row=$row round=$2 file=$name $bench ns_before=$started ns_after=$finished $before $after${4:+ $4}" \
    >>"$MEASUREMENTS"
}

# The cold-start rows, on one instance started for them: launched, polled until its readiness is UP (it warms
# its OTP paths up before that), measured at once for COLD_WINDOW (cold-start), kept under the same load for
# COLD_LOAD (in wrk runs of COLD_WINDOW, each with phones of its own), measured again for COLD_WINDOW
# (cold-loaded), stopped.
measure_cold() { # round
  local name=gateway-cold launched ready left segment
  ((ROUNDS > 1)) && name="gateway-cold-round$1"
  start_gateway "$name" "$COLD_RUNTIME"
  COLD_PID=$STARTED_PID
  COLD_URL=$STARTED_URL
  launched=$(date +%s%N)
  log "started a fresh gateway instance :${COLD_URL##*:} (pid $COLD_PID) for the cold-start rows"
  wait_until_up "$COLD_PID" "$COLD_URL" /actuator/health/readiness "$name"
  ready=$(date +%s%N)
  log "its readiness was UP $(((ready - launched) / 1000000)) ms after launch"
  measure cold-start "$1" "$COLD_WINDOW" "ns_launched=$launched ns_ready=$ready"
  log "keeping it under the same load for $COLD_LOAD"
  left=$(seconds_of "$COLD_LOAD")
  while ((left > 0)); do
    segment=$(seconds_of "$COLD_WINDOW")
    ((segment > left)) && segment=$left
    run_wrk cold-loaded "${segment}s" "$OUT/$name-load.txt"
    grep -q '^BENCH ' "$OUT/$name-load.txt" || die "wrk gave no result while loading the cold instance; see $OUT/$name-load.txt"
    left=$((left - segment))
  done
  measure cold-loaded "$1" "$COLD_WINDOW"
  stop_gateway "$COLD_PID"
}

for ((round = 1; round <= ROUNDS; round++)); do
  for row in "${SELECTED[@]}"; do
    if [[ $row == cold-start ]]; then measure_cold "$round"; else measure "$row" "$round"; fi
  done
done

# The run's own facts for the report; the arithmetic and the layout are BenchReport.java's.
{
  echo "finished=$(date +%s)"
  echo "cores=$(nproc)"
  echo "clk_tck=$CLK_TCK"
  echo "threads=$THREADS"
  echo "connections=$CONNECTIONS"
  echo "duration=$DURATION"
  echo "rounds=$ROUNDS"
  echo "warmup=$WARMUP"
  echo "warmup_passes=$pass"
  echo "warmup_jit_percent=$jit_share"
  echo "cold_window=$COLD_WINDOW"
  echo "cold_load=$COLD_LOAD"
  echo "java_opts=$JAVA_OPTS"
  echo "runtime=$RUNTIME"
  echo "cold_runtime=$COLD_RUNTIME"
  echo "tracing=$TRACING"
  echo "jfr=$JFR"
  echo "load_before=$LOAD_BEFORE"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "vmhwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$GATEWAY_PID/status")"
  echo "log_lines=$(cat "$OUT"/gateway*.log | wc -l)"
  echo "log_warn_error=$(cat "$OUT"/gateway*.log | grep -cE ' (WARN|ERROR) ' || true)"
} >"$OUT/run.txt"
java "$REPORT" "$OUT" | tee "$OUT/summary.txt"
