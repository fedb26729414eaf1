#!/usr/bin/env bash
# Runs `sip-tls bench` with Kamailio (kamailio + kamailio-tls-modules) as a third server: an OPTIONS
# responder on TLS with a throwaway ECDSA P-256 certificate, tuned as the README's "Against
# Kamailio" run (TLSF allocator, released buffers, room for 19,000 connections). Stops Kamailio
# when the run ends.
#   usage: scripts/bench-kamailio.sh [bench options…]   (e.g. --quick)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v kamailio >/dev/null || { echo "kamailio is not installed (apt-get install kamailio kamailio-tls-modules)" >&2; exit 1; }
modules=/usr/lib/x86_64-linux-gnu/kamailio/modules
[ -f "$modules/tls.so" ] || { echo "kamailio's tls module is missing (apt-get install kamailio-tls-modules)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sip-tls-bench-kamailio.XXXXXX")
kamailio_pid=
stop() {
  if [ -n "$kamailio_pid" ]; then kill "$kamailio_pid" 2>/dev/null && wait "$kamailio_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=server.test \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
cat >"$work/tls.cfg" <<EOF
[server:default]
method = TLSv1.2+
certificate = $work/cert.pem
private_key = $work/key.pem
EOF
# One TCP worker: Kamailio 5.6 over OpenSSL 3 frees OpenSSL's per-thread state twice when several
# workers handshake at this rate (kamailio/kamailio#3791) and a worker aborts.
cat >"$work/kamailio.cfg" <<EOF
#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=1
tcp_max_connections=20000
tls_max_connections=20000
open_files_limit=20000
enable_tls=yes
listen=tls:127.0.0.1:$port
mpath="$modules/"
loadmodule "tls.so"
loadmodule "sl.so"
loadmodule "textops.so"
modparam("tls", "config", "$work/tls.cfg")
modparam("tls", "ssl_release_buffers", 1)
request_route {
  force_rport();
  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); }
  exit;
}
EOF
kamailio -f "$work/kamailio.cfg" -DD -E -w "$work" -Y "$work" -x tlsf -m 1024 -M 16 >"$work/kamailio.log" 2>&1 &
kamailio_pid=$!
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "kamailio did not listen on $port:" >&2; cat "$work/kamailio.log" >&2; exit 1; }
echo "kamailio pid $kamailio_pid on 127.0.0.1:$port (log: $work/kamailio.log, removed at the end)" >&2
node "$root/lib/cli.js" bench --target "127.0.0.1:$port,pid=$kamailio_pid,name=kamailio" "$@"
