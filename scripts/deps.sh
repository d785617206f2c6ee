#!/bin/sh
# Install the Debian packages ringfetch needs, only those that are missing.
# Quiet when everything is present; apt-get update runs only when something
# has to be installed; sudo only when not root.
set -eu

# clang and its runtime build the libFuzzer targets (make fuzz, run by CI).
# libssl-dev: https (OpenSSL 3); openssl: the tests make their certificates with its CLI;
# ca-certificates: the system trust store https verifies against by default.
# libc-ares-dev: name resolution off the loop; dnsmasq-base: the DNS server the tests start.
# scdoc renders the man pages (man/*.scd) at build time.
# python3-matplotlib draws traces (scripts/trace-view; tests/e2e/test_trace.py).
# man-db, bash-completion and zsh check the man pages and completions in the tests;
# debhelper, dpkg-dev, fakeroot and lintian build and check the .deb (make deb).
# jq, parallel and python3-yaml run docs/scale-out.md's recipes in the tests.
PKGS="liburing-dev node-llhttp scdoc libcmocka-dev libjson-c-dev libc-ares-dev dnsmasq-base libssl-dev openssl ca-certificates pkg-config gcc make python3 python3-matplotlib curl clang libclang-rt-14-dev jq parallel python3-yaml man-db bash-completion zsh debhelper dpkg-dev fakeroot lintian"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for p in $PKGS; do
    installed "$p" || missing="$missing $p"
done
# Any packaged nginx will do; nginx-light is the smallest.
if ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
    missing="$missing nginx-light"
fi

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing:$missing (and no apt-get here: install them by hand)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
fi
echo "deps: installing:$missing"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
