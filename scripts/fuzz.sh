#!/usr/bin/env bash
# Fuzzes the extractors (cargo fuzz, libFuzzer): the PDF extractor, the HTML extractor, and
# markdown cleaning through the offline compiler, each for FUZZ_SECONDS (default 60), starting
# from corpus documents. A crash, a leak of the bounds (out of memory, a timeout) or a panic
# fails the run and leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
# Sanitized builds of every dependency take a while; FUZZ_TARGET_DIR can keep them between runs.
target_dir=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

seed() { # target, files…
    local dir=fuzz/corpus/$1
    shift
    mkdir -p "$dir"
    cp -n "$@" "$dir"/ 2>/dev/null || true
}
seed pdf testdata/corpus/pdf/debian-reference-pages-1-12.pdf
seed html testdata/corpus/html/python/bisect.html testdata/corpus/html/python/heapq.html
seed markdown testdata/corpus/text/*.txt

cd fuzz
# No AddressSanitizer: the extractors are safe Rust, and what a bounded run looks for (panics,
# blown memory or time bounds) libFuzzer catches without it. A development build: under
# libFuzzer's instrumentation an optimised build of the PDF parser and of WikiMind's text crate
# takes over ten minutes on two cores, this one a few. The run is bounded in time, not in
# executions, so it trades a share of executions for a build that fits CI.
fuzz_flags=(--dev --sanitizer none --target-dir "$target_dir")
cargo +nightly fuzz build "${fuzz_flags[@]}"
for target in pdf html markdown; do
    echo "== fuzz: $target for ${seconds} s =="
    # -rss_limit_mb and -timeout make a blown bound a failure, not a slow run.
    log=$(mktemp)
    status=0
    cargo +nightly fuzz run "${fuzz_flags[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -max_len=262144 >"$log" 2>&1 \
        || status=$?
    grep -E '^#[0-9]+ +DONE|^Done|ERROR|panicked|SUMMARY|deadly signal' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
        echo "fuzz: $target FAILED (see fuzz/artifacts/$target/)"
        exit 1
    fi
    rm -f "$log"
    echo "fuzz: $target PASS"
done
