#!/bin/bash
# make demo: serve a synthetic flag corpus with nginx on 127.0.0.1:8001 (the
# book's LOCAL server) and run `flags2 -a -m 20` against it. nginx runs in the
# foreground of this script's own child, so we know its pid and stop exactly it.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PORT=${DEMO_PORT:-8001}

tmp=$(mktemp -d /tmp/ringfetch-demo.XXXXXX)
nginx_pid=""
cleanup() {
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill "$nginx_pid"
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BUILD/mkcorpus" flags "$tmp/root" >/dev/null

# The same template the tests use; localhost may resolve to ::1 first, so
# listen there too when the machine has IPv6 loopback.
listen6=""
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
    listen6="listen [::1]:$PORT;"
fi
user_line=""
if [ "$(id -u)" -eq 0 ]; then
    user_line="user root;"
fi
mkdir -p "$tmp/big"
sed -e "s|@USER_LINE@|$user_line|" -e "s|@TMP@|$tmp|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@LISTEN6@|$listen6|" -e "s|@ROOT@|$tmp/root|" -e "s|@BIG_DIR@|$tmp/big|" \
    tests/nginx/nginx.conf.in > "$tmp/nginx.conf"

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "demo: port $PORT is already in use; stop that server or set DEMO_PORT" >&2
    exit 1
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" &
nginx_pid=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "demo: nginx did not start:" >&2
        cat "$tmp/error.log" >&2
        exit 1
    fi
    sleep 0.05
done

echo "demo: nginx (pid $nginx_pid) serves 194 synthetic flags on http://localhost:$PORT/flags"
cmd=("$BUILD/flags2" -a -m 20 --dest "$tmp/downloads")
echo "demo: \$ ${cmd[*]}"
echo
status=0
"${cmd[@]}" || status=$?
echo
echo "demo: $(ls "$tmp/downloads" 2>/dev/null | wc -l) files written (to a temp dir, removed now); flags2 exit status $status"
exit $status
