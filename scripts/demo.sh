#!/bin/bash
# make demo: start our own flagserver with the book's three test servers
# (LOCAL 8001, DELAY 8002, ERROR 8003) in one process, then run the four
# flags2 runs of the seed's story, each with its report:
#   flags2 -a                      LOCAL, with the progress bar (on a terminal)
#   flags2 -s DELAY -a -m 194      every response 0.5 s late, all in parallel
#   flags2 -s ERROR -al 100 -m 100 25% errors, 50% delayed
#   flags2 -s REMOTE -l 5          no network here: fails cleanly, per item
# The server runs as this script's child, so we know its pid and stop exactly it.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PORT=${DEMO_PORT:-8001}

tmp=$(mktemp -d /tmp/ringfetch-demo.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in "$PORT" $((PORT + 1)) $((PORT + 2)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        echo "demo: port $p is already in use; stop that server or set DEMO_PORT (it uses DEMO_PORT..DEMO_PORT+2)" >&2
        exit 1
    fi
done

# A fixed seed makes the ERROR run the same every time (the README shows it).
"$BUILD/flagserver" --presets --port "$PORT" --seed 1 >"$tmp/listening" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 100); do
    [ "$(wc -l <"$tmp/listening")" -ge 3 ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "demo: flagserver did not start:" >&2
        cat "$tmp/server.log" >&2
        exit 1
    fi
    sleep 0.05
done
echo "demo: flagserver (pid $server_pid) serves 194 synthetic flags as the book's servers:"
sed 's/^/demo:   /' "$tmp/listening"

# With the default ports the labels' own URLs are right; otherwise point them.
url() {
    [ "$PORT" = 8001 ] && return 0
    echo "--url http://localhost:$((PORT + $1))/flags"
}

run() {
    echo
    echo "demo: \$ flags2 $*"
    status=0
    "$BUILD/flags2" "$@" --dest "$tmp/downloads" || status=$?
    echo "demo: exit status $status"
}

start=$(date +%s%N)
# shellcheck disable=SC2046 # url prints nothing or two words on purpose
run -a $(url 0)
# shellcheck disable=SC2046
run -s DELAY -a -m 194 $(url 1)
# shellcheck disable=SC2046
run -s ERROR -al 100 -m 100 $(url 2)
run -s REMOTE -l 5
end=$(date +%s%N)
echo
ms=$(((end - start) / 1000000))
printf 'demo: four runs in %d.%02ds; files went to a temp dir, removed now.\n' $((ms / 1000)) $((ms % 1000 / 10))
