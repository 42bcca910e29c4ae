#!/usr/bin/env bash
# Start-up with and without a JDK 25 AOT cache, measured side by side (docs/BENCHMARKS.md, "Start-up and the AOT
# cache"):
#
#   ./mvnw -q -B -pl gateway -am package -DskipTests
#   load-test/aot-startup.sh        # ~12 minutes with the defaults
#
# Extracts the jar twice, once as gateway/Dockerfile did before the AOT cache (extract --layers --launcher, started
# through JarLauncher) and once as Spring Boot's AOT cache wants it (extract: gateway.jar + lib/, started with
# -jar), makes the cache with load-test/aot-training.sh, starts Redis and nginx (SMS webhook) on free ports, then
# starts the gateway ROUNDS times per variant, the variants interleaved, each on an emptied Redis with the local
# profile pointed at that Redis (APP_ARGS below). Per start: milliseconds from launch to
# /actuator/health/readiness 200 (polled every 50 ms), VmRSS at that moment, then at once wrk -t1 -c64 -d10s on
# request-otp with phones never used (bench.lua's send-new), then SIGTERM. One line per start goes to starts.txt in the results folder; medians are printed at
# the end. Installs nothing.
#
# Settings (environment): AOT_ROUNDS=5, AOT_VARIANTS="jdk17-launcher jdk25 jdk25-aot",
# AOT_JDK17=/usr/lib/jvm/java-17-openjdk-amd64, AOT_JDK25=/usr/lib/jvm/temurin-25-jdk-amd64,
# AOT_JAVA_OPTS="-Xms512m -Xmx512m", AOT_WRK_DURATION=10s, AOT_JAR=gateway/target/gateway.jar,
# AOT_OUT=load-test/results/aot-<time>. The medians of a finished run again: AOT_REPORT=<its results folder>.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${AOT_ROUNDS:-5}
read -r -a VARIANTS <<<"${AOT_VARIANTS:-jdk17-launcher jdk25 jdk25-aot}"
JDK17=${AOT_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${AOT_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA_OPTS=${AOT_JAVA_OPTS:--Xms512m -Xmx512m}
WRK_DURATION=${AOT_WRK_DURATION:-10s}
JAR=${AOT_JAR:-$ROOT/gateway/target/gateway.jar}
OUT=${AOT_OUT:-$ROOT/load-test/results/aot-$(date +%Y%m%d-%H%M%S)}

log() { printf '[aot-startup] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- the medians per variant, from starts.txt -----------------------------------------------------------------------
report() {
  median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
  field() { # variant key
    grep "^variant=$1 " "$OUT/starts.txt" | tr ' ' '\n' | sed -n "s/^$2=//p"
  }
  ok_per_s() { # variant: 2xx answers per second of each start
    grep "^variant=$1 " "$OUT/starts.txt" | tr ' ' '\n' | awk -F= '$1 == "s2xx" {ok = $2} $1 == "duration_us" {d = $2}
      $1 == "started_s" {printf "%.1f\n", ok / (d / 1e6)}'
  }
  printf '%-15s %9s %9s %8s %8s %8s %8s %7s %6s %s\n' variant ready_ms started_s warmup_ms rss_mib "req/s" "2xx/s" \
    "p99 ms" load1 "warm-ups incomplete"
  for variant in $(awk '{sub("variant=", "", $1); if (!seen[$1]++) print $1}' "$OUT/starts.txt"); do
    printf '%-15s %9s %9s %8s %8s %8.0f %8.0f %7.0f %6s %s\n' "$variant" "$(field "$variant" ready_ms | median)" \
      "$(field "$variant" started_s | median)" "$(field "$variant" warmup_ms | median)" \
      "$(field "$variant" rss_mib | median)" "$(field "$variant" rps | median)" "$(ok_per_s "$variant" | median)" \
      "$(field "$variant" p99_us | median | awk '{print $1 / 1000}')" "$(field "$variant" load1 | median)" \
      "$(field "$variant" warmup_warn | awk '$1 > 0 {n++} END {printf "%d of %d", n, NR}')"
  done
  cat "$OUT/run.txt"
}
if [[ -n ${AOT_REPORT:-} ]]; then OUT=$AOT_REPORT report; exit; fi

for tool in wrk nginx redis-server redis-cli curl; do command -v "$tool" >/dev/null || die "missing: $tool"; done
[[ -x $JDK17/bin/java && -x $JDK25/bin/java ]] || die "need $JDK17/bin/java and $JDK25/bin/java"
[[ -f $JAR ]] || die "no jar at $JAR"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

PIDS=()
cleanup() { local pid; for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- the two extracted forms, each with the config/ the gateway reads from its working directory ---------------
"$JDK17/bin/java" -Djarmode=tools -jar "$JAR" extract --layers --launcher --destination "$OUT/launcher" >/dev/null
"$JDK17/bin/java" -Djarmode=tools -jar "$JAR" extract --destination "$OUT/app" >/dev/null
for dir in "$OUT/launcher" "$OUT/app"; do mkdir -p "$dir/config" && cp "$ROOT"/config/application*.yml "$dir/config/"; done
# The launcher form's layers merged into one classpath root, as the Dockerfile's COPY lines did.
for layer in dependencies spring-boot-loader snapshot-dependencies application; do
  cp -r "$OUT/launcher/$layer/." "$OUT/launcher/" && rm -rf "${OUT:?}/launcher/$layer"
done

if [[ " ${VARIANTS[*]} " == *" jdk25-aot "* ]]; then
  log "training run for the AOT cache (load-test/aot-training.sh)"
  started=$(date +%s)
  (cd "$OUT/app" && AOT_JAVA=$JDK25/bin/java AOT_JAVA_OPTS=$JAVA_OPTS AOT_PORT=$(free_port) \
    "$ROOT/load-test/aot-training.sh" app.aot)
  log "training and cache creation took $(($(date +%s) - started)) s"
fi

# --- Redis and nginx (backend and SMS webhook, 200 {} to everything) ---------------------------------------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
NGINX_PORT=$(free_port)
write_nginx_conf "$OUT/nginx" "$NGINX_PORT"
nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" &
PIDS+=($!)
sleep 1
redis-cli -p "$REDIS_PORT" PING >/dev/null || die "Redis did not start; see $OUT/redis.log"

# --- one start ------------------------------------------------------------------------------------------------------
command_of() { # variant -> working directory and command, into DIR and CMD
  case $1 in
    jdk17-launcher) DIR=$OUT/launcher CMD=("$JDK17/bin/java" org.springframework.boot.loader.launch.JarLauncher) ;;
    jdk17) DIR=$OUT/app CMD=("$JDK17/bin/java" -jar gateway.jar) ;;
    jdk25) DIR=$OUT/app CMD=("$JDK25/bin/java" -jar gateway.jar) ;;
    jdk25-aot) DIR=$OUT/app CMD=("$JDK25/bin/java" -XX:AOTCache=app.aot -jar gateway.jar) ;;
    *) die "unknown variant $1" ;;
  esac
}

# The local profile on the Redis above (so no embedded one), SMS to nginx, INFO logging as in production, and the
# limits and the pumping guard out of reach of wrk's one address and one number range, as in the bench profile.
# Not the bench profile itself: its extra bucket4j connection is opened eagerly with the 500 ms Redis time-out and
# fails a cold start on a busy machine.
APP_ARGS=(--spring.profiles.active=local --spring.data.redis.url="redis://127.0.0.1:$REDIS_PORT"
  --logging.level.kz.cvety=INFO --cvety.otp.sms.provider=webhook --cvety.otp.sms.webhook-url="http://127.0.0.1:$NGINX_PORT/sms"
  --cvety.otp.limits.send-per-ip=100000000/1m --cvety.otp.limits.send-global=100000000/1m
  --cvety.otp.limits.send-per-prefix=100000000/1m --cvety.otp.pumping.min-sends=100000000)
export BENCH_LUA=$ROOT/load-test/bench/bench.lua BENCH_MODE=send-new
START=0
measure() { # variant round
  local variant=$1 port pid t0 t1 ready_ms rss load result bench
  START=$((START + 1))
  command_of "$variant"
  redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
  port=$(free_port)
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  (cd "$DIR" && exec "${CMD[0]}" $JAVA_OPTS "${CMD[@]:1}" --server.port="$port" "${APP_ARGS[@]}" \
    >"$OUT/$variant-$2.log" 2>&1) &
  pid=$!
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/actuator/health/readiness") == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || die "$variant exited; see $OUT/$variant-$2.log"
    sleep 0.05
  done
  t1=$(date +%s%N)
  ready_ms=$(((t1 - t0) / 1000000))
  rss=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  result=$OUT/$variant-$2.wrk
  BENCH_NEW_PHONE_BLOCK=$START wrk -t1 -c64 -d"$WRK_DURATION" --latency -s "$BENCH_LUA" \
    "http://127.0.0.1:$port/api/auth/request-otp" >"$result" 2>&1
  bench=$(sed -n 's/^BENCH //p' "$result")
  kill -TERM "$pid"
  wait "$pid" || true
  echo "variant=$variant round=$2 ready_ms=$ready_ms rss_mib=$rss load1=$load $bench" \
    "started_s=$(grep -o 'Started [A-Za-z]* in [0-9.]* seconds' "$OUT/$variant-$2.log" | awk '{print $4}')" \
    "warmup_ms=$(grep -o 'warmed up: .* in [0-9]* ms' "$OUT/$variant-$2.log" | awk '{print $(NF - 1)}')" \
    "warmup_warn=$(grep -c ' WARN .*OtpWarmUp' "$OUT/$variant-$2.log" || true)" \
    | tee -a "$OUT/starts.txt" >&2
}

log "variants ${VARIANTS[*]}, $ROUNDS rounds, JVM options $JAVA_OPTS; results in $OUT"
echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/run.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for variant in "${VARIANTS[@]}"; do measure "$variant" "$round"; done
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/run.txt"

report | tee "$OUT/summary.txt"
