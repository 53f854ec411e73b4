#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) each, one after another; logs go to
# fuzz/logs/<target>.log; inputs are capped at 4 KiB (-max_len) so the debug build runs fast.
set -u
cd "$(dirname "$0")"
secs=${1:-60}
mkdir -p logs
for t in ${TARGETS:-read_html read_wxr read_disqus read_text read_csv read_jsonl read_reddit read_hn read_iac read_convokit rulefile themes lexicon}; do
    cargo +nightly fuzz run --dev "$t" -- -max_total_time="$secs" -timeout=10 -max_len=4096 -print_final_stats=1 > "logs/$t.log" 2>&1
    echo "$t exit=$? $(grep -E 'stat::number_of_executed_units' "logs/$t.log")"
done
