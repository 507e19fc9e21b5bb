# Sourced by the benchmark scripts: nginx answering every request with a
# fixed JSON 200, the reference a server's REST figures are put beside.
#
#   nginx_fixed_200_conf DIR PORT [CERT KEY]
#
# writes DIR/nginx.conf (logs and temp files under DIR) listening on
# 127.0.0.1:PORT, over TLS with CERT and KEY when given, with
# NGINX_WORKER_PROCESSES workers (default: one per core). Start it with
#   nginx -p DIR -e DIR/logs/error.log -c DIR/nginx.conf -g 'daemon off;'
nginx_fixed_200_conf() {
    local dir=$1 port=$2 cert=${3:-} key=${4:-} listen tls=""
    mkdir -p "$dir/logs"
    listen="127.0.0.1:$port"
    if [ -n "$cert" ]; then
        listen+=" ssl"
        tls="ssl_certificate $cert; ssl_certificate_key $key;"
    fi
    cat >"$dir/nginx.conf" <<EOF
worker_processes ${NGINX_WORKER_PROCESSES:-auto};
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 100000000;
    server {
        listen $listen;
        $tls
        location / {
            default_type application/json;
            return 200 '{"predictions": [0]}';
        }
    }
}
EOF
}
