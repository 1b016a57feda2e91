#!/usr/bin/env bash
# Fuzzes every target for SECONDS in all (split evenly), seeded from the
# fixtures, and stops at the first finding (a crash is saved under
# fuzz/artifacts/<target>/ by libFuzzer; the script exits non-zero). A
# finding, once fixed, goes to fuzz/regressions/<target>/, which
# tests/it/hostile.rs replays.
#
#   fuzz/run.sh 1800            # half an hour in all
#   fuzz/run.sh 600 analyse     # ten minutes on one target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz builds with
# nightly flags; on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(analyse config corrections registry)
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}

# Seeds: the fixtures for mail, the shipped configurations, the demo registry,
# a few corrections as an officer types them.
seed() {
    local target=$1 dir=corpus/$1
    mkdir -p "$dir"
    case $target in
        analyse) find ../fixtures -name '*.eml' -exec cp -n {} "$dir/" \; ;;
        config) cp -n ../config/*.toml "$dir/" ;;
        registry) cp -n ../demo/registry.csv "$dir/" ;;
        corrections)
            printf '212000-3005\nUppsala kommun\n2027-01-01' > "$dir/complete"
            printf '212000-3006\n\n2027-02-30' > "$dir/invalid"
            printf '19121212-1212\nTolvan\n31/12/2026' > "$dir/personal" ;;
    esac
}

per_target=$(( seconds / ${#targets[@]} ))
[ "$per_target" -ge 1 ] || per_target=1
for target in "${targets[@]}"; do
    seed "$target"
    echo "== $target: ${per_target} s"
    # -O: optimised, without debug assertions, as the product is built.
    # libFuzzer aborts on any panic, even one the code catches; mail-parser's
    # own debug_assert! on hostile MIME (fuzz/regressions/analyse) would stop
    # every run at the same place.
    cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$per_target" -rss_limit_mb=2048 -timeout=10 -max_len=1048576 -print_final_stats=1
done
