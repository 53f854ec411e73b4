#!/bin/sh
# Seeds fuzz/corpus/<target>/ from tests/fixtures (run from anywhere; corpora are not committed).
set -eu
cd "$(dirname "$0")"
fx=../tests/fixtures
seed() { # target, files...
    t=$1; shift
    mkdir -p "corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # Files over 256 KiB slow libFuzzer down more than they help; take their head.
        head -c 262144 "$f" > "corpus/$t/$(basename "$f")"
    done
}
seed read_text $fx/text/*
seed read_html $fx/html/*
seed read_wxr $fx/wxr/*
seed read_disqus $fx/disqus/*
seed read_reddit $fx/reddit/*
seed read_hn $fx/hn/*
seed read_iac $fx/iac/*
mkdir -p corpus/read_csv
seed read_csv $fx/csv/* $fx/agreement/*.csv $fx/moderate/*.csv
printf 'id,parent_id,author,time,text\n1,,a,2020-01-01,hello\n2,1,b,,"re ""x"""\n3,2,c,,"multi\nline"\n' > corpus/read_csv/min.csv
seed read_jsonl $fx/jsonl/*
seed read_convokit $fx/jsonl/*
seed rulefile $fx/moderate/*.toml
seed themes ../threads/themes.toml
seed lexicon ../data/stance-lexicon.toml
echo "seeded: $(ls corpus | wc -l) corpora"
