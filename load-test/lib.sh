# Shell functions the load-test scripts share; sourced, not run. Each script defines die() before sourcing it.

# A free loopback port: a random one in 20000-49999 that nothing answers on (bash's /dev/tcp, no extra tools).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}
