#!/usr/bin/env bash
# Side-by-side benchmark of the gateway on this machine, in one run (issue 7, item 3):
#
#   ./mvnw -q -B -pl gateway -am package -DskipTests    # once: builds gateway/target/gateway.jar
#   load-test/bench.sh                                    # ~10 minutes; BENCH_DURATION=10s for a quick run
#
# Starts a Redis on a free port, nginx (backend and SMS webhook, 200 {} to everything) and the gateway jar with
# the bench profile (config/application-bench.yml), warms every row up, then measures each row with wrk
# (same threads, connections and duration for all): the backend direct, the plain proxied route, Spring Cloud
# Gateway's RequestRateLimiter + RedisRateLimiter route, our RateLimit route, request-otp admitted (random
# phones; and again with a client IP of its own per request), request-otp refused (one phone hammered) and
# verify-otp with wrong codes. Prints one table and the
# ratios of issue 7, item 4, and stops everything it started. Installs nothing.
#
# Settings (environment):
#   BENCH_DURATION=30s     measured time per row          BENCH_WARMUP=20s   warm-up per row and pass
#   BENCH_WARMUP_PASSES=3  at most this many warm-up passes over all rows; fewer once the JIT compiler threads
#                          used at most BENCH_JIT_SETTLED=10 % of one core during a pass
#   BENCH_CONNECTIONS=64   wrk connections                BENCH_THREADS=2    wrk threads
#   BENCH_ROUNDS=1         measure all rows this many times, round robin; each row is reported from its median
#                          round by req/s, with the range of req/s over the rounds (noise on a shared machine)
#   BENCH_ROWS=all         or a comma list of row names
#                          (backend,plain,scg,limited,admitted,admitted-ips,refused,verify)
#   BENCH_JAVA_OPTS="-Xms512m -Xmx512m"                   JVM options of the gateway
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
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx512m}
JFR=${BENCH_JFR:-}
ASPROF=${BENCH_ASPROF:-}
JAR=${BENCH_JAR:-$ROOT/gateway/target/gateway.jar}
OUT=${BENCH_OUT:-$ROOT/load-test/results/bench-$(date +%Y%m%d-%H%M%S)}
export BENCH_PHONES=${BENCH_PHONES:-100000}
export BENCH_LUA=$ROOT/load-test/bench/bench.lua
EMBEDDED_REDIS_JAR=${BENCH_EMBEDDED_REDIS_JAR:-$HOME/.m2/repository/com/github/codemonstur/embedded-redis/1.4.4/embedded-redis-1.4.4.jar}
EMBEDDED_REDIS_BINARY=redis-server-6.2.6-v5-linux-amd64

ALL_ROWS=(backend plain scg limited admitted admitted-ips refused verify)
declare -A TITLE=(
  [backend]="backend direct (nginx)"
  [plain]="plain proxied route"
  [scg]="SCG RedisRateLimiter route"
  [limited]="our RateLimit route"
  [admitted]="request-otp admitted"
  [admitted-ips]="request-otp admitted, IPs"
  [refused]="request-otp refused"
  [verify]="verify-otp wrong codes"
)

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
if [[ -n $JFR ]] && ! command -v jcmd >/dev/null; then die "BENCH_JFR needs jcmd (a full JDK)"; fi
if [[ -n $ASPROF ]] && [[ ! -x $ASPROF ]]; then die "BENCH_ASPROF=$ASPROF is not an executable asprof"; fi
[[ $ROWS == all ]] && ROWS=$(IFS=,; echo "${ALL_ROWS[*]}")
IFS=, read -r -a SELECTED <<<"$ROWS"
for row in "${SELECTED[@]}"; do [[ -n ${TITLE[$row]:-} ]] || die "unknown row '$row' (rows: ${ALL_ROWS[*]})"; done

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

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

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
mkdir -p "$OUT/nginx/tmp"
cat >"$OUT/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $OUT/nginx/tmp/body;
  proxy_temp_path $OUT/nginx/tmp/proxy;
  fastcgi_temp_path $OUT/nginx/tmp/fastcgi;
  uwsgi_temp_path $OUT/nginx/tmp/uwsgi;
  scgi_temp_path $OUT/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      default_type application/json;
      return 200 '{}';
    }
  }
}
EOF
nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for_port "$NGINX_PORT" 10 "nginx"
NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1)

# --- the gateway -------------------------------------------------------------------------------------------------
GATEWAY_PORT=$(free_port)
GATEWAY_URL=http://127.0.0.1:$GATEWAY_PORT
# Started from the repository root, so ./config/ (with the bench profile) is read as it is now.
# shellcheck disable=SC2086
(cd "$ROOT" && exec java $JAVA_OPTS -jar "$JAR" --spring.profiles.active=bench --server.port="$GATEWAY_PORT" \
  --spring.data.redis.url="redis://127.0.0.1:$REDIS_PORT" --bench.backend-url="http://127.0.0.1:$NGINX_PORT" \
  >"$OUT/gateway.log" 2>&1) &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
log "Redis :$REDIS_PORT ($("$REDIS_SERVER" --version | awk '{print $3}')), nginx :$NGINX_PORT, gateway :$GATEWAY_PORT (pid $GATEWAY_PID); results in $OUT"
for i in $(seq 1 120); do
  if curl -sf "$GATEWAY_URL/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then break; fi
  kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited; see $OUT/gateway.log"
  ((i == 120)) && die "the gateway was not healthy within 120 s; see $OUT/gateway.log"
  sleep 1
done

# --- measuring -------------------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the gateway's JIT compiler threads (C1, C2).
jit_ticks() {
  local task comm total=0 ticks
  for task in /proc/"$GATEWAY_PID"/task/*; do
    read -r comm <"$task/comm" 2>/dev/null || continue
    if [[ $comm == C[12]\ CompilerThre* ]]; then
      ticks=$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)
      total=$((total + ticks))
    fi
  done
  echo "$total"
}
heap_used_mib() {
  curl -sf "$GATEWAY_URL/actuator/prometheus" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {sum += $NF} END {printf "%.0f", sum / 1048576}'
}
failed_open_count() {
  curl -sf "$GATEWAY_URL/actuator/prometheus" | awk '/^cvety_otp_limit_decisions_total\{.*outcome="failed_open"/ {sum += $NF} END {printf "%.0f", sum}'
}
# Busy CPU ticks of the whole machine (all cores), to tell how much other processes took during a row.
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# CPU seconds used by this shell's finished children (wrk), from the "times" builtin.
children_cpu_seconds() {
  times | awk 'NR == 2 {
    for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); s += t[1] * 60 + t[2] }
    printf "%.3f", s }'
}
gc_pause_seconds() {
  curl -sf "$GATEWAY_URL/actuator/prometheus" | awk '/^jvm_gc_pause_seconds_sum/ {sum += $NF} END {printf "%.3f", sum}'
}

url_of() {
  case $1 in
    backend) echo "http://127.0.0.1:$NGINX_PORT/bench/plain/item" ;;
    plain) echo "$GATEWAY_URL/bench/plain/item" ;;
    scg) echo "$GATEWAY_URL/bench/scg/item" ;;
    limited) echo "$GATEWAY_URL/bench/limited/item" ;;
    admitted | admitted-ips | refused) echo "$GATEWAY_URL/api/auth/request-otp" ;;
    verify) echo "$GATEWAY_URL/api/auth/verify-otp" ;;
  esac
}
mode_of() {
  case $1 in
    admitted) echo send-random ;;
    admitted-ips) echo send-random-ips ;;
    refused) echo send-one ;;
    verify) echo verify-wrong ;;
    *) echo get ;;
  esac
}

run_wrk() { # row duration output
  BENCH_MODE=$(mode_of "$1") wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s "$BENCH_LUA" "$(url_of "$1")" >"$3" 2>&1
}

field() { # file name -> value of name=... on the BENCH line
  awk -v key="$2" '/^BENCH / {for (i = 2; i <= NF; i++) {split($i, kv, "="); if (kv[1] == key) print kv[2]}}' "$1"
}

# One request per row first, so a broken setup stops here rather than measuring error pages.
smoke() { # row -> HTTP status
  local body=()
  case $1 in
    admitted) body=(-H 'Content-Type: application/json' -d '{"phone":"+77010999999"}') ;;
    admitted-ips) body=(-H 'Content-Type: application/json' -H 'X-Forwarded-For: 100.64.0.1' -d '{"phone":"+77011999999"}') ;;
    verify) body=(-H 'Content-Type: application/json' -d '{"phone":"+77010999998","otp_code":"000000"}') ;;
  esac
  curl -s -o "$OUT/smoke-$1.txt" -w '%{http_code}' "${body[@]}" "$(url_of "$1")"
}
for row in "${SELECTED[@]}"; do
  case $row in
    refused) continue ;;
    verify) expected=401 ;;
    *) expected=200 ;;
  esac
  status=$(smoke "$row")
  [[ $status == "$expected" ]] || die "smoke test of $row ($(url_of "$row")) answered $status, expected $expected: $(head -c 300 "$OUT/smoke-$row.txt")"
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm-up passes over all rows until the JIT has (nearly) caught up: on 2 shared cores one C2 thread takes
# minutes to compile the gateway's hot paths, and a row measured while C2 still works pays for it.
pass=1
while :; do
  log "warm-up pass $pass: $WARMUP per row (${SELECTED[*]})"
  jit_before=$(jit_ticks)
  started=$(date +%s.%N)
  for row in "${SELECTED[@]}"; do
    run_wrk "$row" "$WARMUP" "$OUT/warmup-$row.txt"
  done
  jit_share=$(awk -v t=$(($(jit_ticks) - jit_before)) -v hz="$CLK_TCK" -v a="$started" -v b="$(date +%s.%N)" \
    'BEGIN {printf "%.0f", 100 * t / hz / (b - a)}')
  log "JIT compiler threads used $jit_share% of one core during warm-up pass $pass"
  ((jit_share <= JIT_SETTLED || pass >= WARMUP_PASSES)) && break
  pass=$((pass + 1))
done
WARMUP_DONE="$pass pass(es) of $WARMUP per row, JIT at $jit_share% of a core in the last"

# A row that made Redis time out leaves the gateway's Redis (or SMS) circuit open; Resilience4j half-opens it
# only on the first call after its open-state wait (5 s for Redis, 30 s for SMS), and health shows DOWN until
# then. So when a circuit is open, wait that long: the next row's first calls then probe it, and one row's
# collapse does not count against the next.
wait_for_closed_circuits() { # row
  local health
  health=$(curl -s "$GATEWAY_URL/actuator/health" || true)
  if [[ $health == *'"sms":{"status":"DOWN"'* ]]; then
    log "the gateway's SMS circuit is open before $1; waiting 31 s for it to half-open"
    sleep 31
  elif [[ $health == *'"otpStore":{"status":"DOWN"'* ]]; then
    log "the gateway's Redis circuit is open before $1; waiting 6 s for it to half-open"
    sleep 6
  fi
}

# One measured row; results go to the arrays under the key "row#round".
declare -A RPS P50 P99 S2XX S429 SOTHER ERRS CPU JIT RCMDS RCPU HEAP GC RBREAK OPEN OTHERS REQS
measure() { # row round
  local row=$1 key="$1#$2" name="$1" result
  ((ROUNDS > 1)) && name="$1-round$2"
  result=$OUT/$name.txt
  wait_for_closed_circuits "$name"
  log "measuring $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $(url_of "$row") (BENCH_MODE=$(mode_of "$row"))"
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
  local gc_before open_before ours_before wrk_before cpu_before redis_cpu_before busy_before started elapsed
  local busy_after cpu_after redis_cpu_after wrk_after ours_after gc_after requests jit_before jit_after
  gc_before=$(gc_pause_seconds)
  open_before=$(failed_open_count)
  ours_before=$(($(cpu_ticks "$GATEWAY_PID") + $(cpu_ticks "$REDIS_PID") + $(cpu_ticks "$NGINX_WORKER_PID")))
  wrk_before=$(children_cpu_seconds)
  cpu_before=$(cpu_ticks "$GATEWAY_PID")
  jit_before=$(jit_ticks)
  redis_cpu_before=$(cpu_ticks "$REDIS_PID")
  busy_before=$(machine_busy_ticks)
  started=$(date +%s.%N)
  run_wrk "$row" "$DURATION" "$result"
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  busy_after=$(machine_busy_ticks)
  cpu_after=$(cpu_ticks "$GATEWAY_PID")
  jit_after=$(jit_ticks)
  redis_cpu_after=$(cpu_ticks "$REDIS_PID")
  wrk_after=$(children_cpu_seconds)
  ours_after=$(($(cpu_ticks "$GATEWAY_PID") + $(cpu_ticks "$REDIS_PID") + $(cpu_ticks "$NGINX_WORKER_PID")))
  if [[ -n $JFR ]]; then
    jcmd "$GATEWAY_PID" JFR.stop name="$name" >/dev/null
  fi
  if [[ -n $ASPROF ]]; then
    "$ASPROF" dump -o flamegraph -f "$OUT/$name.html" "$GATEWAY_PID" >/dev/null
    "$ASPROF" stop -o collapsed -f "$OUT/$name.collapsed" "$GATEWAY_PID" >/dev/null
  fi
  redis INFO commandstats | tr -d '\r' >"$OUT/$name.commandstats"
  gc_after=$(gc_pause_seconds)
  OPEN[$key]=$(($(failed_open_count) - open_before))
  # Machine CPU taken by processes other than the gateway, Redis, nginx and wrk, in % of all cores.
  OTHERS[$key]=$(awk -v busy=$((busy_after - busy_before)) -v ours=$((ours_after - ours_before)) -v hz="$CLK_TCK" \
    -v wrk="$(awk -v a="$wrk_before" -v b="$wrk_after" 'BEGIN {print b - a}')" -v t="$elapsed" -v n="$(nproc)" \
    'BEGIN {o = (busy - ours) / hz - wrk; if (o < 0) o = 0; printf "%.0f", 100 * o / (t * n)}')
  HEAP[$key]=$(heap_used_mib)

  requests=$(field "$result" requests)
  [[ -n $requests ]] || die "wrk gave no result for $name; see $result"
  REQS[$key]=$requests
  RPS[$key]=$(field "$result" rps)
  P50[$key]=$(awk -v us="$(field "$result" p50_us)" 'BEGIN {printf "%.2f", us / 1000}')
  P99[$key]=$(awk -v us="$(field "$result" p99_us)" 'BEGIN {printf "%.2f", us / 1000}')
  S2XX[$key]=$(field "$result" s2xx)
  S429[$key]=$(field "$result" s429)
  SOTHER[$key]=$(field "$result" sother)
  ERRS[$key]=$(($(field "$result" connect_errors) + $(field "$result" read_errors) + $(field "$result" write_errors) + $(field "$result" timeouts)))
  if [[ $row == backend ]]; then
    CPU[$key]="-"
    JIT[$key]="-"
    RCPU[$key]="-"
    HEAP[$key]="-"
  else
    # The JIT compiler threads' share is left out: it is warm-up still going on, not the cost of a request.
    CPU[$key]=$(awk -v t=$((cpu_after - cpu_before - (jit_after - jit_before))) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
    RCPU[$key]=$(awk -v t=$((redis_cpu_after - redis_cpu_before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  fi
  [[ $row == backend ]] || JIT[$key]=$(awk -v t=$((jit_after - jit_before)) -v hz="$CLK_TCK" -v e="$elapsed" 'BEGIN {printf "%.0f", 100 * t / hz / e}')
  GC[$key]=$(awk -v a="$gc_before" -v b="$gc_after" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  # Commands executed inside Lua scripts are counted too (as Redis itself counts them); INFO and CONFIG are not.
  RCMDS[$key]=$(awk -F'[:=,]' -v n="$requests" '/^cmdstat_/ && $1 !~ /^cmdstat_(info|config)/ {sum += $3} END {printf "%.2f", sum / n}' "$OUT/$name.commandstats")
  RBREAK[$key]=$(awk -F'[:=,]' -v n="$requests" '/^cmdstat_/ && $1 !~ /^cmdstat_(info|config)/ && $3 > 0 {sub("cmdstat_", "", $1); printf "%s %s=%.2f", sep, $1, $3 / n; sep = ","}' "$OUT/$name.commandstats")
}

for ((round = 1; round <= ROUNDS; round++)); do
  for row in "${SELECTED[@]}"; do
    measure "$row" "$round"
  done
done

# Each row is reported from its median round by req/s (the only round when BENCH_ROUNDS=1).
declare -A RANGE
for row in "${SELECTED[@]}"; do
  median=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${RPS[$row#$round]} $round"; done | sort -n | awk '{r[NR] = $2} END {print r[int((NR + 1) / 2)]}')
  RANGE[$row]=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${RPS[$row#$round]}"; done | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}')
  for metric in RPS P50 P99 S2XX S429 SOTHER ERRS CPU JIT RCMDS RCPU HEAP GC RBREAK OPEN OTHERS REQS; do
    declare -n values=$metric
    values[$row]=${values[$row#$median]}
    unset -n values
  done
done

# --- the table -----------------------------------------------------------------------------------------------
ratio() { # numerator-row denominator-row
  if [[ -n ${RPS[$1]:-} && -n ${RPS[$2]:-} ]]; then awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN {printf "%.2f", a / b}'; else echo "n/a"; fi
}
# A ratio only counts when its rows did what they are meant to: no socket errors, no answers other than the
# designed ones, no request admitted unchecked.
caveats() { # rows...
  local row problems=() n
  for row in "$@"; do
    [[ -n ${RPS[$row]:-} ]] || continue
    n=${REQS[$row]}
    ((${OPEN[$row]:-0} > 0)) && problems+=("$row: $(awk -v a="${OPEN[$row]}" -v n="$n" 'BEGIN {printf "%.0f", 100 * a / n}')% admitted unchecked (Redis timed out, fail-open)")
    ((${ERRS[$row]:-0} > 0)) && problems+=("$row: ${ERRS[$row]} socket errors")
    case $row in
      backend | plain | scg | limited | admitted | admitted-ips)
        (($(awk -v o="${SOTHER[$row]}" -v r="${S429[$row]}" -v n="$n" 'BEGIN {print (o + r > n / 1000)}'))) &&
          problems+=("$row: $(awk -v o="${SOTHER[$row]}" -v r="${S429[$row]}" -v n="$n" 'BEGIN {printf "%.1f", 100 * (o + r) / n}')% not 2xx") ;;
      refused)
        (($(awk -v o="${SOTHER[$row]}" -v n="$n" 'BEGIN {print (o > n / 1000)}'))) &&
          problems+=("$row: $(awk -v o="${SOTHER[$row]}" -v n="$n" 'BEGIN {printf "%.1f", 100 * o / n}')% neither 429 nor 2xx") ;;
    esac
  done
  if ((${#problems[@]})); then (IFS=';'; echo "NOT VALID: ${problems[*]}"); fi
}
target() { # value target rows...
  local value=$1 goal=$2
  shift 2
  local caveat
  caveat=$(caveats "$@")
  if [[ $value == n/a ]]; then echo "not measured"
  elif [[ -n $caveat ]]; then echo "$caveat"
  else awk -v v="$value" -v t="$goal" 'BEGIN {print (v >= t) ? "met" : "MISSED"}'
  fi
}

{
  echo "Cvety Edge side-by-side benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores (shared), load average before: $LOAD_BEFORE"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION per row, $ROUNDS round(s), after $WARMUP_DONE; gateway: java $JAVA_OPTS"
  echo
  fmt='| %-26s | %7s | %6s | %7s | %8s | %7s | %7s | %6s | %9s | %6s | %5s | %8s | %9s | %5s | %5s | %6s |\n'
  # shellcheck disable=SC2059
  printf "$fmt" row "req/s" "p50 ms" "p99 ms" "2xx" "429" "other" "socket" "fail-open" "gw CPU" "JIT" "Redis" "Redis CPU" "heap" "GC" "others"
  # shellcheck disable=SC2059
  printf "$fmt" "" "" "" "" "" "" "non-2xx" "errors" "admits" "us/req" "%" "cmds/req" "us/req" "MiB" "ms" "CPU %"
  echo "|:---------------------------|--------:|-------:|--------:|---------:|--------:|--------:|-------:|----------:|-------:|------:|---------:|----------:|------:|------:|-------:|"
  for row in "${SELECTED[@]}"; do
    # shellcheck disable=SC2059
    printf "$fmt" "${TITLE[$row]}" "$(printf '%.0f' "${RPS[$row]}")" "${P50[$row]}" "${P99[$row]}" "${S2XX[$row]}" \
      "${S429[$row]}" "${SOTHER[$row]}" "${ERRS[$row]}" "${OPEN[$row]}" "${CPU[$row]}" "${JIT[$row]}" "${RCMDS[$row]}" "${RCPU[$row]}" \
      "${HEAP[$row]}" "${GC[$row]}" "${OTHERS[$row]}"
  done
  echo
  echo "req/s, p50, p99: wrk. 2xx/429/other: answers by status. fail-open admits: RateLimit requests admitted unchecked"
  echo "because Redis did not answer in time (fail-mode open). gw CPU / Redis CPU: utime+stime of the process per request"
  echo "(gateway: without its JIT compiler threads). JIT %: the compiler threads' CPU during the row, in % of one core."
  echo "Redis cmds/req: INFO commandstats (script-internal commands included) per request. heap: used after the row."
  echo "GC: pause time during the row. others CPU %: the machine's CPU used by processes other than the gateway, Redis,"
  echo "nginx and wrk during the row, in % of all $(nproc) cores (noise from other work on a shared machine)."
  if ((ROUNDS > 1)); then
    echo
    echo "req/s over the $ROUNDS rounds (each row above is its median round):"
    for row in "${SELECTED[@]}"; do printf '  %-27s %s\n' "${TITLE[$row]}" "${RANGE[$row]}"; done
  fi
  echo
  echo "Ratios of throughput (issue 7, item 4):"
  printf '  our RateLimit / plain route          %5s  target >= 0.75: %s\n' "$(ratio limited plain)" "$(target "$(ratio limited plain)" 0.75 limited plain)"
  printf '  our RateLimit / SCG RedisRateLimiter %5s  target >= 1.5:  %s\n' "$(ratio limited scg)" "$(target "$(ratio limited scg)" 1.5 limited scg)"
  printf '  request-otp refused / plain route    %5s  target >= 1.5:  %s\n' "$(ratio refused plain)" "$(target "$(ratio refused plain)" 1.5 refused plain)"
  printf '  request-otp admitted / SCG route     %5s  target >= 0.8:  %s\n' "$(ratio admitted scg)" "$(target "$(ratio admitted scg)" 0.8 admitted scg)"
  printf '    the same, a client IP per request  %5s  target >= 0.8:  %s\n' "$(ratio admitted-ips scg)" "$(target "$(ratio admitted-ips scg)" 0.8 admitted-ips scg)"
  printf '  SCG RedisRateLimiter / plain route   %5s  (reference: about 0.50 on 2 cores)\n' "$(ratio scg plain)"
  echo
  echo "Redis commands per request (script-internal commands included):"
  for row in "${SELECTED[@]}"; do
    printf '  %-27s %s\n' "${TITLE[$row]}" "${RBREAK[$row]:-(none)}"
  done
  echo
  echo "Gateway max RSS (VmHWM): $(awk '/^VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$GATEWAY_PID/status"); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Gateway log lines: $(wc -l <"$OUT/gateway.log"), of which WARN/ERROR: $(grep -cE ' (WARN|ERROR) ' "$OUT/gateway.log" || true)"
  if [[ -n $JFR ]]; then
    echo "JFR recordings: $OUT/<row>.jfr (load-test/jfr-top.sh <file> summarises hot methods)"
  fi
  echo "Raw wrk output, Redis commandstats and the gateway log: $OUT"
} | tee "$OUT/summary.txt"
