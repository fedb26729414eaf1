#!/usr/bin/env bash
# Builds the addon with AddressSanitizer (+ LeakSanitizer) in a scratch copy of the tree and runs
# the native tests under it. Node itself is not instrumented, so libasan is preloaded, and leak
# reports are kept only when a stack passes through the addon (sip_tls.node / siptls::).
#   usage: scripts/native-sanitize.sh [mocha spec files…]   (default: test/native, without the
#          10,000-session test, which is slow under ASan)
#   SIP_TLS_ASAN_OPTIONS=… is appended to ASAN_OPTIONS (e.g. quarantine_size_mb=0 for a spec that
#   bounds RSS: ASan holds freed memory in a 256 MB quarantine). Mocha options may precede the specs.
#   SIP_TLS_ASAN_DIR=DIR keeps the scratch copy in DIR, so later runs rebuild only changed files.
# Child processes the specs start (node, sip-tls serve) inherit the preload and report too, when
# they exit rather than die by a signal.
# Prints the mocha summary, then "asan: N errors, M leaks in the addon"; exits 1 if either is > 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${SIP_TLS_ASAN_DIR:-}" ]; then
  work=$SIP_TLS_ASAN_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/sip-tls-asan.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

# -a keeps modification times, so make recompiles only what changed since a kept build.
cp -a "$root/native" "$root/bench" "$root/binding.gyp" "$root/package.json" "$root/lib" "$root/test" \
  "$root/scripts" "$work/"
[ -f "$root/.npmrc" ] && cp "$root/.npmrc" "$work/"
[ -e "$work/node_modules" ] || ln -s "$root/node_modules" "$work/node_modules"
# A kept build is configured again (binding.gyp lists native/*.cc when it is configured), then
# make recompiles what changed.
build=(rebuild)
[ -f "$work/build/Makefile" ] && build=(configure build)
(cd "$work" && CXXFLAGS="-fsanitize=address -fno-omit-frame-pointer -g -O1" LDFLAGS="-fsanitize=address" \
  npx node-gyp "${build[@]}" -j 2 >"$work/build.log" 2>&1) || { cat "$work/build.log"; exit 1; }

specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  mapfile -t specs < <(cd "$work" && ls test/native/*.test.js | grep -v memory.test.js)
fi
asan_lib=$(gcc -print-file-name=libasan.so)
rm -rf "$work/asan"
mkdir -p "$work/asan"
cd "$work"
set +e
LD_PRELOAD="$asan_lib" \
ASAN_OPTIONS="detect_leaks=1:exitcode=0:log_path=$work/asan/report:detect_odr_violation=0:fast_unwind_on_malloc=0${SIP_TLS_ASAN_OPTIONS:+:$SIP_TLS_ASAN_OPTIONS}" \
LSAN_OPTIONS="exitcode=0" \
  node --expose-gc node_modules/mocha/bin/mocha.js --no-config --exit --timeout 120000 \
  --reporter dot "${specs[@]}" 2>&1 | tail -n 30
status=${PIPESTATUS[0]}
set -e

errors=0
for report in "$work"/asan/report*; do
  [ -f "$report" ] || continue
  if grep -q '^==[0-9]*==ERROR: AddressSanitizer' "$report"; then
    errors=$((errors + $(grep -c '^==[0-9]*==ERROR: AddressSanitizer' "$report")))
    sed -n '1,60p' "$report"
  fi
done
# A leak is the addon's when its stack reaches addon code (native/*.cc) without passing through
# Node-API first: memory N-API allocates for the addon (class templates, references) is freed at
# environment teardown, which process.exit() skips.
{ cat "$work"/asan/report* 2>/dev/null || true; } | awk '
  /^(Direct|Indirect) leak/ {rec=$0 "\n"; napi=0; ours=0; decided=0; next}
  rec == "" {next}
  /^$/ {if (ours) {printf "%s\n", rec; n++}; rec=""; next}
  {rec = rec $0 "\n"
   if (!decided && / in napi_/) {napi=1; decided=1}
   if (!decided && /native\/[a-z_]+\.cc/) {ours=1; decided=1}}
  END {print "LEAKS " n+0}' > "$work/addon-leaks.txt"
leaks=$(sed -n 's/^LEAKS //p' "$work/addon-leaks.txt")
grep -v '^LEAKS ' "$work/addon-leaks.txt" | head -120 || true
echo "asan: $errors errors, $leaks leaks in the addon (mocha exit $status)"
[ "$errors" -eq 0 ] && [ "$leaks" -eq 0 ] && [ "$status" -eq 0 ]
