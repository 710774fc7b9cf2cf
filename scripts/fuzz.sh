#!/usr/bin/env bash
# Fuzz every envdef target for N seconds each (cargo-fuzz / libFuzzer, stable toolchain
# through RUSTC_BOOTSTRAP=1). See docs/fuzzing.md.
#
#   scripts/fuzz.sh                 # 60 s per target
#   scripts/fuzz.sh 3600            # the hour-long campaign (per target)
#   scripts/fuzz.sh 300 check emit  # only these targets
#
# Seeds come from examples/, tests/ui/, tests/cli/ and tests/robustness/ (rebuilt on every
# run; multi-file test directories are joined with the fuzz targets' file marker so their
# imports resolve). The corpus grows in fuzz/corpus/<target>/ and is kept between runs;
# crashes land in fuzz/artifacts/<target>/ and make the script exit 1.
# Environment: FUZZ_ARGS adds libFuzzer flags (e.g. FUZZ_ARGS="-jobs=2 -workers=2").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(parse check emit template)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

# ── seeds ────────────────────────────────────────────────────────────────────────────────
seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  cp "$f" "$seeds/file-$n.envdef"
done < <(find examples tests/ui tests/cli tests/robustness/fixtures tests/robustness/fuzz \
           -name '*.envdef' -type f -print0 2>/dev/null)
# Directories of several sources (import tests): main file first, the others after it, as
# the targets' `a.envdef`, `b.envdef`, `dir/c.envdef` (imports get rewritten to match).
while IFS= read -r -d '' d; do
  mapfile -t parts < <(find "$d" -maxdepth 2 -name '*.envdef' -type f | sort)
  [ ${#parts[@]} -ge 2 ] || continue
  n=$((n + 1))
  out="$seeds/dir-$n.envdef"
  first=1
  for p in "${parts[@]}"; do
    if [ $first -eq 0 ]; then printf '\n--8<--\n' >> "$out"; fi
    cat "$p" >> "$out"
    first=0
  done
done < <(find examples tests/ui -mindepth 1 -type d -print0 2>/dev/null)
echo "seeds: $(ls "$seeds" | wc -l) files in $seeds" >&2
# The `template` target reads a handlebars template: its seeds are the built-in and test
# templates, its dictionary handlebars syntax.
template_seeds=fuzz/seeds-template
rm -rf "$template_seeds"
mkdir -p "$template_seeds"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  cp "$f" "$template_seeds/template-$n.hbs"
done < <(find templates tests -name '*.hbs' -type f -print0 2>/dev/null)

# ── build once, run each target ──────────────────────────────────────────────────────────
cd fuzz
# No sanitizer: envdef forbids unsafe code, so ASan would only slow the search down;
# debug assertions and overflow checks stay on.
# Build once, then run the binaries directly: `cargo fuzz run` would rebuild whenever the
# tree changes under a long campaign.
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  cargo fuzz build -s none -a
fi
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="${CARGO_TARGET_DIR:-target}/$triple/release"
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "── fuzzing $t for ${secs}s ──" >&2
  # -timeout: an input running longer than 10 s is a hang; -rss_limit_mb: memory blow-ups
  # are crashes; -max_len: room for real files, small enough to stay fast.
  # shellcheck disable=SC2086
  seed_dir="$root/$seeds"
  dict=envdef.dict
  if [ "$t" = template ]; then
    seed_dir="$root/$template_seeds"
    dict=template.dict
  fi
  if ! "$bin_dir/$t" "corpus/$t" "$seed_dir" \
      -artifact_prefix="artifacts/$t/" \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -dict="$dict" -print_final_stats=1 ${FUZZ_ARGS:-} 2>&1 | tee "fuzz-$t.log"; then
    status=1
  fi
  grep -E '^(stat::|Done|#[0-9]+ +DONE)' "fuzz-$t.log" >&2 || true
done
if find artifacts -type f | grep -q .; then
  echo "crashes found (turn each into a regression test in tests/robustness/fuzz/):" >&2
  find artifacts -type f >&2
  status=1
fi
exit $status
