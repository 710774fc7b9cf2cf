#!/usr/bin/env bash
# The envdef benchmark: whole-process wall time and peak memory of `check` and `compile`
# at 100 to 100,000 variables, plus an in-process per-stage breakdown.
#
#   scripts/bench.sh            # everything (about 5 minutes on 2 cores)
#   scripts/bench.sh --quick    # skip the 100,000-variable workload
#   scripts/bench.sh --peers    # also install jrsonnet (cargo install, a prerelease) for the peer job
#
# Options: --quick, --runs N (hyperfine runs per command; default: 10, fewer for the big
# sizes), --keep (keep the temp directory with the workloads and results), --peers.
# The peer job (section 7, `examples/gen_peer.rs`) runs envdef always, and jrsonnet on the
# equivalent Jsonnet program when `jrsonnet` is on PATH or in $JRSONNET_ROOT/bin (default
# /tmp/jrs, where --peers installs it).
#
# Needs: cargo; hyperfine and GNU time (`/usr/bin/time -v`), which it installs with apt-get
# when it can (Debian packages `hyperfine`, `time`), else it falls back to a timing loop
# with `date +%s%N` and skips peak memory. Everything it generates goes to a temp directory.
# The results are printed as markdown (the tables of docs/performance.md) and saved in
# `$WORK/results.md`.
set -euo pipefail

cd "$(dirname "$0")/.."
QUICK=0
RUNS=""
KEEP=0
PEERS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS="$2"; shift ;;
    --keep) KEEP=1 ;;
    --peers) PEERS=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

try_install() { # $1 = command, $2 = Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1; then
    echo "bench.sh: installing $2 with apt-get" >&2
    $sudo apt-get install -y "$2" >/dev/null 2>&1 || true
  fi
  command -v "$1" >/dev/null 2>&1
}
HAVE_HYPERFINE=0; try_install hyperfine hyperfine && HAVE_HYPERFINE=1
HAVE_TIME=0
if [ -x /usr/bin/time ] || try_install /usr/bin/time time; then
  /usr/bin/time -v true >/dev/null 2>&1 && HAVE_TIME=1
fi
[ "$HAVE_HYPERFINE" = 1 ] || echo "bench.sh: no hyperfine; timing with a date +%s%N loop" >&2
[ "$HAVE_TIME" = 1 ] || echo "bench.sh: no GNU time; peak memory not measured" >&2

echo "bench.sh: building (release)" >&2
cargo build --release --quiet --bin envdef --example gen_fleet --example gen_peer \
  --example bench_stages --example bench_lsp
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET_DIR="${TARGET_DIR:-target}"
ENVDEF="$TARGET_DIR/release/envdef"
GEN="$TARGET_DIR/release/examples/gen_fleet"
GEN_PEER="$TARGET_DIR/release/examples/gen_peer"
STAGES="$TARGET_DIR/release/examples/bench_stages"
LSP="$TARGET_DIR/release/examples/bench_lsp"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/envdef-bench.XXXXXX")"
cleanup() { [ "$KEEP" = 1 ] && echo "bench.sh: kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT
RESULTS="$WORK/results.md"

# "WALL CPU": median wall time and mean user+system CPU time in ms of a command, `runs`
# runs; the prepare command runs before each. CPU time is what to compare when the machine
# is busy: waiting for a core inflates wall time but not CPU time.
median_ms() { # $1 = runs, $2 = prepare command ('' for none), rest = command
  local runs="$1" prep="$2"; shift 2
  if [ "$HAVE_HYPERFINE" = 1 ]; then
    local csv="$WORK/hf.csv"
    local args=(-N --style none --runs "$runs" --warmup 1 --export-csv "$csv")
    [ -n "$prep" ] && args+=(--prepare "$prep")
    # -N (no shell): the command is split on spaces; our paths have none.
    hyperfine "${args[@]}" "$*" >/dev/null 2>&1 || { echo "FAILED FAILED"; return; }
    awk -F, 'NR == 2 { printf "%.1f %.1f", $4 * 1000, ($5 + $6) * 1000 }' "$csv"
  else
    local times=() i start end
    "$@" >/dev/null 2>&1 || { echo "FAILED FAILED"; return; }
    for ((i = 0; i < runs; i++)); do
      [ -n "$prep" ] && bash -c "$prep"
      start=$(date +%s%N); "$@" >/dev/null 2>&1; end=$(date +%s%N)
      times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f n/a", a[int((NR + 1) / 2)] / 1000 }'
  fi
}

# peak RSS in MiB (median of 3 runs), or "n/a".
peak_mib() { # $1 = prepare command, rest = command
  local prep="$1"; shift
  [ "$HAVE_TIME" = 1 ] || { echo "n/a"; return; }
  local i vals=()
  for i in 1 2 3; do
    [ -n "$prep" ] && bash -c "$prep"
    vals+=("$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')")
  done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[2] / 1024 }'
}

# The workloads: vars services envs depth files runs.
SIZES=(
  "100 3 4 2 4 20"
  "1000 5 10 3 4 10"
  "10000 10 20 4 8 10"
  "100000 20 8 4 24 3"
)
# 100,000 vars use 8 environments, not 20: 20 would write ~500 MB of artifacts, over
# envdef's 256 MiB output budget (E0411, docs/limits.md). The scaling table divides by the
# source bytes, so the smaller E is accounted for.
[ "$QUICK" = 1 ] && unset 'SIZES[3]'

{
  echo "## Machine"
  echo
  echo "- CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
  echo "- Memory: $(free -m 2>/dev/null | awk '/^Mem:/ { print $2 " MiB" }')"
  echo "- $(rustc --version), envdef $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
} | tee "$RESULTS"

# 1. The bundled example, the editor-on-save case.
FLEET=examples/fleet/fleet.envdef
if [ -f "$FLEET" ]; then
  read -r t tc <<<"$(median_ms "${RUNS:-100}" "" "$ENVDEF" check "$FLEET")"
  m=$(peak_mib "" "$ENVDEF" check "$FLEET")
  {
    echo "## \`envdef check $FLEET\` (goal < 5 ms)"
    echo
    echo "median ${t} ms wall (${tc} ms CPU), peak ${m} MiB"
    echo
  } | tee -a "$RESULTS"
fi

# 2. Whole process at each size.
{
  echo "## Whole process (medians; compile writes into an empty directory)"
  echo
  echo "| vars | services | envs | depth | source MB | check ms | check CPU ms | check MiB | compile ms | compile CPU ms | compile MiB | artifacts | output MB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} | tee -a "$RESULTS"
declare -A CHECK_MS COMPILE_MS CHECK_CPU COMPILE_CPU BYTES
STAGE_LINES=()
for size in "${SIZES[@]}"; do
  read -r V S E D F R <<<"$size"
  R="${RUNS:-$R}"
  dir="$WORK/fleet-$V"
  out="$WORK/out-$V"
  "$GEN" --vars "$V" --services "$S" --envs "$E" --depth "$D" --files "$F" --seed 1 --out "$dir" >/dev/null
  root="$dir/fleet.envdef"
  if ! "$ENVDEF" check "$root" >"$WORK/check-$V.log" 2>&1; then
    echo "bench.sh: the generated $V-var fleet does not check:" >&2
    head -40 "$WORK/check-$V.log" >&2
    exit 1
  fi
  bytes=$(cat "$dir"/*.envdef "$dir"/*/*.envdef | wc -c)
  BYTES[$V]=$bytes
  rm -rf "$out"
  if ! "$ENVDEF" compile "$root" --out "$out" >"$WORK/compile-$V.log" 2>&1; then
    echo "bench.sh: the generated $V-var fleet does not compile:" >&2
    head -40 "$WORK/compile-$V.log" >&2
    exit 1
  fi
  read -r c ccpu <<<"$(median_ms "$R" "" "$ENVDEF" check "$root")"
  CHECK_MS[$V]=$c
  CHECK_CPU[$V]=$ccpu
  cm=$(peak_mib "" "$ENVDEF" check "$root")
  read -r k kcpu <<<"$(median_ms "$R" "rm -rf $out" "$ENVDEF" compile "$root" --out "$out")"
  COMPILE_MS[$V]=$k
  COMPILE_CPU[$V]=$kcpu
  pm=$(peak_mib "rm -rf $out" "$ENVDEF" compile "$root" --out "$out")
  n_files=$(find "$out" -type f 2>/dev/null | wc -l)
  out_bytes=$(find "$out" -type f -exec cat {} + 2>/dev/null | wc -c)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$V" "$S" "$E" "$D" "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')" \
    "${CHECK_MS[$V]}" "$ccpu" "$cm" "${COMPILE_MS[$V]}" "$kcpu" "$pm" "$n_files" \
    "$(awk -v b="$out_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" | tee -a "$RESULTS"
  rm -rf "$out"
  line=$("$STAGES" "$root" --runs $((R < 5 ? R : 5)) --out "$WORK/stages" | sed -n 's/^STAGES //p')
  STAGE_LINES+=("$V $line")
done

# 3. Per stage (in process).
{
  echo
  echo "## Per stage, in process (\`examples/bench_stages.rs\`, medians of up to 5 runs, ms)"
  echo
  echo "| vars | parse | resolve | check | render | write | parse+resolve+check MB/s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
} | tee -a "$RESULTS"
for entry in "${STAGE_LINES[@]}"; do
  V="${entry%% *}"
  # shellcheck disable=SC2086
  eval "$(echo "${entry#* }" | tr ' ' '\n' | grep -E '^[a-z_]+=' | sed 's/^/S_/')"
  awk -v v="$V" -v p="$S_parse" -v r="$S_resolve" -v c="$S_check" -v n="$S_render" \
      -v w="$S_write" -v b="$S_bytes" 'BEGIN {
    printf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", v, p, r, c, n, w, b / 1000 / (p + r + c)
  }' | tee -a "$RESULTS"
done

# 4. Scaling: time ratio per 10x of source bytes, (t2/t1)^(1 / log10(b2/b1)).
{
  echo
  echo "## Scaling (time factor per 10x source bytes; goal <= 12 from 1,000 to 100,000 vars)"
  echo
  echo "| from → to vars | bytes × | check ×/10× | compile ×/10× | check CPU ×/10× | compile CPU ×/10× |"
  echo "|---|---:|---:|---:|---:|---:|"
} | tee -a "$RESULTS"
# (t2/t1)^(1 / log10(b2/b1)) for wall and CPU time of check and compile.
scaling() { # $1 = from vars, $2 = to vars, $3 = label
  awk -v b1="${BYTES[$1]}" -v b2="${BYTES[$2]}" -v label="$3" \
      -v c1="${CHECK_MS[$1]}" -v c2="${CHECK_MS[$2]}" -v k1="${COMPILE_MS[$1]}" -v k2="${COMPILE_MS[$2]}" \
      -v cc1="${CHECK_CPU[$1]}" -v cc2="${CHECK_CPU[$2]}" -v kc1="${COMPILE_CPU[$1]}" -v kc2="${COMPILE_CPU[$2]}" '
    function f(a, b) { return (a > 0 && b > 0) ? sprintf("%.1f", exp(e * log(b / a))) : "n/a" }
    BEGIN {
      e = log(10) / log(b2 / b1)
      printf "| %s | %.1f | %s | %s | %s | %s |\n", label, b2 / b1, f(c1, c2), f(k1, k2), f(cc1, cc2), f(kc1, kc2)
    }' | tee -a "$RESULTS"
}
prev=""
for size in "${SIZES[@]}"; do
  read -r V _ <<<"$size"
  if [ -n "$prev" ]; then
    scaling "$prev" "$V" "$prev → $V"
  fi
  prev="$V"
done
if [ -n "${BYTES[100000]:-}" ]; then
  scaling 1000 100000 "1000 → 100000 (overall)"
fi
# 5. `envdef import` at size: 3,000 keys × 12 dotenv files, a third of them secrets, values
#    that differ per file (tests/import.rs checks the draft; its speed is measured here).
imp="$WORK/import"
mkdir -p "$imp"
for f in $(seq 0 11); do
  awk -v f="$f" 'BEGIN {
    for (k = 0; k < 3000; k++) {
      if (k % 3 == 0) printf "SERVICE_%d_PASSWORD=pw-%d-%d\n", k, f, k
      else if (k % 3 == 1) printf "SERVICE_%d_PORT=%d\n", k, 1000 + k % 7 + f
      else printf "SERVICE_%d_URL=https://s%d.example/%d\n", k, k, f % 2
    }
  }' >"$imp/.env.e$f"
done
read -r t tc <<<"$(median_ms "${RUNS:-5}" "" "$ENVDEF" import "$imp"/.env.e*)"
{
  echo
  echo "## \`envdef import\` of 12 files × 3,000 keys"
  echo
  echo "median ${t} ms wall (${tc} ms CPU)"
} | tee -a "$RESULTS"
# 6. The language server (`examples/bench_lsp.rs`): a one-line edit that alternates a type
#    error and its repair, until the diagnostics that follow it; hover on a variable.
#    Goals: bundled fleet < 20 ms, 10,000-variable fleet < 200 ms (issue 16) and <= 50 ms
#    (issue 18), hover < 10 ms.
{
  echo
  echo "## Language server (\`examples/bench_lsp.rs\`, ${RUNS:-30} edits and hovers, ms)"
  echo
  echo "| source | bytes | open | change → diagnostics (median) | p90 | hover (median) | p90 |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} | tee -a "$RESULTS"
lsp_row() { # $1 = label, $2 = file, $3 = workspace folder
  local line
  if ! line=$("$LSP" "$ENVDEF" "$2" --workspace "$3" --runs "${RUNS:-30}" 2>"$WORK/lsp.log" | sed -n 's/^LSP //p'); then
    echo "bench.sh: bench_lsp failed on $2:" >&2; cat "$WORK/lsp.log" >&2; exit 1
  fi
  eval "$(echo "$line" | tr ' ' '\n' | sed 's/^/L_/')"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$L_bytes" "$L_open" "$L_change" \
    "$L_change_p90" "$L_hover" "$L_hover_p90" | tee -a "$RESULTS"
}
[ -f "$FLEET" ] && lsp_row "bundled fleet" "$FLEET" "$(dirname "$FLEET")"
# An environment file of the generated fleet: the server finds its root and re-checks the
# whole 10,000-variable program on each edit.
[ -f "$WORK/fleet-10000/envs/envs_00.envdef" ] && lsp_row "10,000 vars (an imported env file)" "$WORK/fleet-10000/envs/envs_00.envdef" "$WORK/fleet-10000"

# 7. The peer job (issue 18): 10,000 typed variables with regex, range and enum refinements;
#    base, staging and production with overrides; every environment validated; production
#    exported. envdef: `compile --env production` (every environment is checked, production's
#    .env written into an empty directory); jrsonnet: the same job as a Jsonnet program that
#    `gen_peer` writes beside it, its production lines printed with `-S`.
peer="$WORK/peer"
"$GEN_PEER" --vars 10000 --seed 1 --out "$peer" >/dev/null
# jrsonnet is published only as prereleases (`cargo install jrsonnet` alone finds nothing), so
# --peers installs this one into $JRSONNET_ROOT, where later runs find it without --peers.
JRSONNET_VERSION=0.5.0-pre98
JRSONNET_ROOT="${JRSONNET_ROOT:-${TMPDIR:-/tmp}/jrs}"
[ -x "$JRSONNET_ROOT/bin/jrsonnet" ] && export PATH="$PATH:$JRSONNET_ROOT/bin"
if [ "$PEERS" = 1 ] && ! command -v jrsonnet >/dev/null 2>&1; then
  echo "bench.sh: installing jrsonnet $JRSONNET_VERSION into $JRSONNET_ROOT (a few minutes)" >&2
  cargo install --quiet jrsonnet --version "$JRSONNET_VERSION" --root "$JRSONNET_ROOT" >&2 \
    || echo "bench.sh: cargo install jrsonnet failed" >&2
  export PATH="$PATH:$JRSONNET_ROOT/bin"
fi
if ! "$ENVDEF" compile -q "$peer/peer.envdef" --env production --out "$peer/out" >"$WORK/peer.log" 2>&1; then
  echo "bench.sh: the peer job does not compile:" >&2; head -40 "$WORK/peer.log" >&2; exit 1
fi
read -r pe pecpu <<<"$(median_ms "${RUNS:-10}" "rm -rf $peer/out" "$ENVDEF" compile -q "$peer/peer.envdef" --env production --out "$peer/out")"
pj="not installed (\`scripts/bench.sh --peers\` installs it)"
[ "$PEERS" = 1 ] && pj="not installed: \`cargo install jrsonnet\` failed (see above)"
ratio="n/a"
if command -v jrsonnet >/dev/null 2>&1; then
  # The two programs must agree on production before their times are compared.
  if ! jrsonnet -S "$peer/peer.jsonnet" >"$peer/jsonnet.env" 2>"$WORK/jsonnet.log"; then
    echo "bench.sh: jrsonnet fails on the peer job:" >&2; head -20 "$WORK/jsonnet.log" >&2; exit 1
  fi
  if ! diff <(grep -v '^#' "$peer/out/.env.production" | sort) <(grep -v '^$' "$peer/jsonnet.env" | sort) >/dev/null; then
    echo "bench.sh: envdef and jrsonnet disagree on production's values" >&2; exit 1
  fi
  read -r pjt pjcpu <<<"$(median_ms "${RUNS:-10}" "" jrsonnet -S "$peer/peer.jsonnet")"
  pj="${pjt} ms wall (${pjcpu} ms CPU), $(jrsonnet --version 2>/dev/null | head -1)"
  ratio=$(awk -v a="$pjt" -v b="$pe" -v ac="$pjcpu" -v bc="$pecpu" 'BEGIN {
    printf "%.1f× by wall time", a / b
    if (ac != "n/a" && bc != "n/a" && bc > 0) printf ", %.1f× by CPU time", ac / bc
  }')
fi
{
  echo
  echo "## Peer job: 10,000 typed variables, 3 environments, production exported (\`examples/gen_peer.rs\`; goal ≥ 10× jrsonnet)"
  echo
  echo "| | median |"
  echo "|---|---|"
  echo "| source | $(wc -c <"$peer/peer.envdef") bytes envdef, $(wc -c <"$peer/peer.jsonnet") bytes Jsonnet |"
  echo "| envdef compile --env production | ${pe} ms wall (${pecpu} ms CPU) |"
  echo "| jrsonnet -S | $pj |"
  echo "| jrsonnet / envdef (same run) | $ratio |"
} | tee -a "$RESULTS"

[ "$KEEP" = 1 ] && echo "bench.sh: results in $RESULTS" >&2
exit 0
