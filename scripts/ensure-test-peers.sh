#!/usr/bin/env bash
# Makes sure the real peers the tests talk to are installed. As root it installs the missing ones
# with apt-get; otherwise it fails and names them. Never prompts.
set -euo pipefail

# command-or-file  Debian package
peers=(
  "openssl:openssl"
  "gnutls-cli:gnutls-bin"
  "kamailio:kamailio"
  "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so:kamailio-tls-modules"
  "sipp:sip-tester"
  "kamcli:kamcli"
  "softhsm2-util:softhsm2"
  "pkcs11-tool:opensc"
  "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so:libengine-pkcs11-openssl"
  "valgrind:valgrind"
)

have() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for entry in "${peers[@]}"; do
  probe=${entry%%:*}
  pkg=${entry#*:}
  have "$probe" || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-peers: missing test peers (install them, e.g. apt-get install ${missing[*]}): ${missing[*]}" >&2
  exit 1
fi

echo "ensure-test-peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# kamailio's package starts a service on install where it can; the tests start their own instances.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for entry in "${peers[@]}"; do
  probe=${entry%%:*}
  have "$probe" || { echo "ensure-test-peers: ${entry#*:} still missing after apt-get" >&2; exit 1; }
done
