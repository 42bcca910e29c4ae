# Shell functions the load-test scripts share; sourced, not run. Each script defines die() before sourcing it.

# A free loopback port: a random one from 10000 up to the kernel's ephemeral range (32768 by default) that nothing
# answers on (bash's /dev/tcp, no extra tools). Not inside that range: the run's own outgoing connections (wrk's,
# nginx's, Lettuce's) take their local ports there, and one can take a port checked free before a server binds it.
free_port() {
  local port low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((low > 11000)) || low=30000
  for _ in $(seq 1 100); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

# Writes $1/nginx.conf for nginx answering 200 {} to everything on 127.0.0.1:$2 (one worker, no access log, temp
# files under $1/tmp): the backend of the proxied routes and the SMS webhook. Start it with
#   nginx -p "$1" -c "$1/nginx.conf"
write_nginx_conf() { # dir port
  mkdir -p "$1/tmp"
  cat >"$1/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  server {
    listen 127.0.0.1:$2;
    location / {
      default_type application/json;
      return 200 '{}';
    }
  }
}
CONF
}
