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
