#!/usr/bin/env python3
"""threadlens benchmark harness: threadlens vs the Python baseline, side by side, in one run.

For each size it writes one synthetic corpus (`threadlens synth`, seed 42; or the Python
generator with --generator python), then per repetition runs

  * `threadlens analyze CORPUS --out … --timings …` under /usr/bin/time -v
    (full pipeline: ingest, tree, clusters, dynamics/stance, moderation, Parquet tables, reports)
  * `python shared/bench/bench.py pipeline --input CORPUS …` under /usr/bin/time -v
    (stdlib JSON → ConvoKit corpus + metrics → scikit-learn TF-IDF → KMeans + MiniBatchKMeans
    → pandas/polars Parquet + CSV)

and prints, per size, the median wall seconds per stage of both sides with their ratio, the
end-to-end wall time and peak memory, and cluster quality (adjusted Rand index against the
corpus's hidden `topic` labels) for both. Stages without a counterpart on the other side are
shown with "—".

Usage (from the repository root, after `cargo build --release`):

  python3 bench/run.py --sizes 10k,100k,1m --reps 3 --python /path/to/baseline-venv/bin/python

`--python` is the interpreter of a venv with shared/bench/requirements.txt installed; without
it (or with --no-baseline) only threadlens runs. ARI needs pyarrow or polars in that
interpreter (the baseline venv has both). Only the standard library is used here.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# threadlens phase -> baseline timing keys it corresponds to.
STAGE_MAP = [
    ("ingest", "ingest", ["parse_json"]),
    ("tree", "tree", ["convokit_build", "convokit_metrics"]),
    ("clusters (TF-IDF + k-means)", "cluster", ["tfidf", "kmeans", "minibatch"]),
    ("dynamics", "dynamics", []),
    ("stance", "stance", []),
    # Dynamics and stance run beside the clustering: the three rows above are each stage's own
    # time (they overlap); this row is their wall time together.
    ("cluster + dynamics + stance, side by side (wall)", "cluster+dynamics+stance", []),
    ("moderation", "moderate", []),
    ("tables (Parquet)", "export_tables", ["pandas_dataframe", "pandas_parquet", "pandas_csv",
                                            "polars_dataframe", "polars_parquet", "polars_csv"]),
    ("reports (HTML + Markdown)", "reports", []),
]


def time_v(cmd, log_path, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB)."""
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=log, stderr=subprocess.STDOUT,
                           env=env)
    wall = time.perf_counter() - t0
    text = open(log_path).read()
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n--- {log_path}:\n{text[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return wall, (int(m.group(1)) / 1024.0 if m else float("nan"))


def ari(labels_true, labels_pred):
    """Adjusted Rand index (Hubert & Arabie), standard library only."""
    from collections import Counter
    n = len(labels_true)
    if n < 2:
        return float("nan")
    comb2 = lambda x: x * (x - 1) / 2
    pairs = Counter(zip(labels_true, labels_pred))
    a = Counter(labels_true)
    b = Counter(labels_pred)
    index = sum(comb2(v) for v in pairs.values())
    sum_a = sum(comb2(v) for v in a.values())
    sum_b = sum(comb2(v) for v in b.values())
    expected = sum_a * sum_b / comb2(n)
    max_index = (sum_a + sum_b) / 2
    return (index - expected) / (max_index - expected) if max_index != expected else 1.0


def read_topics(corpus):
    topics = {}
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            topics[r["id"]] = r["topic"]
    return topics


def parquet_columns(python, path, columns):
    """Reads columns of a Parquet file with the baseline interpreter (pyarrow or polars)."""
    code = (
        "import json,sys\n"
        "try:\n"
        "    import pyarrow.parquet as pq\n"
        "    t = pq.read_table(sys.argv[1], columns=sys.argv[2:]).to_pydict()\n"
        "except ImportError:\n"
        "    import polars as pl\n"
        "    t = pl.read_parquet(sys.argv[1], columns=sys.argv[2:]).to_dict(as_series=False)\n"
        "json.dump(t, sys.stdout)\n"
    )
    out = subprocess.run([python, "-c", code, path] + columns, capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def threadlens_ari(python, out_dir, topics):
    cols = parquet_columns(python, os.path.join(out_dir, "tables", "comments.parquet"),
                           ["comment_id", "cluster_id"])
    if not cols:
        return float("nan")
    pairs = [(topics[c], k) for c, k in zip(cols["comment_id"], cols["cluster_id"])
             if k is not None and c in topics]
    return ari([t for t, _ in pairs], [k for _, k in pairs])


def baseline_ari(python, work, ids_in_order, topics):
    cols = parquet_columns(python, os.path.join(work, "pipeline_table_polars.parquet"),
                           ["id", "cluster"])
    if not cols:
        return float("nan")
    return ari([topics[i] for i in cols["id"]], cols["cluster"])


def median(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x):
    return "—" if x != x else (f"{x:.2f} s" if x < 100 else f"{x:.0f} s")


def ratio(py, tl):
    return "—" if (py != py or tl != tl or tl <= 0) else f"{py / tl:.1f}×"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k", help="comma list of 10k,100k,1m")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default="target/bench", help="scratch directory")
    ap.add_argument("--threadlens", default="target/release/threadlens")
    ap.add_argument("--shared", default="../shared/bench", help="the Python baseline's folder")
    ap.add_argument("--python", help="interpreter of the baseline venv")
    ap.add_argument("--no-baseline", action="store_true", help="run threadlens only")
    ap.add_argument("--generator", choices=["threadlens", "python"], default="threadlens")
    ap.add_argument("--json", help="also write all measurements here")
    a = ap.parse_args()

    baseline = a.python and not a.no_baseline
    os.makedirs(os.path.join(a.work, "data"), exist_ok=True)
    results = {}
    for size in a.sizes.split(","):
        n = SIZES[size]
        corpus = os.path.abspath(os.path.join(a.work, "data", f"corpus_{size}_{a.generator}.jsonl"))
        if not os.path.exists(corpus):
            if a.generator == "threadlens":
                cmd = [a.threadlens, "synth", "--comments", str(n), "--seed", "42", "--out", corpus, "-q"]
            else:
                cmd = [a.python or sys.executable, os.path.join(a.shared, "gen_corpus.py"), "-n", str(n),
                       "-o", corpus]
            subprocess.run(cmd, check=True)
        topics = read_topics(corpus) if a.python else None
        runs = {"tl": [], "py": []}
        for rep in range(1, a.reps + 1):
            out = os.path.join(a.work, "tl", size, f"rep{rep}")
            timings = os.path.join(out, "timings.json")
            os.makedirs(out, exist_ok=True)
            # k = 30 as the baseline's KMeans, so cluster quality and time compare like with like.
            wall, rss = time_v([a.threadlens, "analyze", corpus, "--out", out, "--quiet", "--k", "30",
                                "--timings", timings], os.path.join(out, "time.log"))
            rec = {"wall": wall, "rss_mb": rss, "stages": json.load(open(timings))}
            if a.python:
                rec["ari"] = threadlens_ari(a.python, out, topics)
            runs["tl"].append(rec)
            print(f"[{size} rep {rep}] threadlens {wall:.2f} s, {rss:.0f} MB", file=sys.stderr)
            if baseline:
                work = os.path.abspath(os.path.join(a.work, "py", size, f"rep{rep}"))
                os.makedirs(work, exist_ok=True)
                out_json = os.path.join(work, "record.json")
                wall, rss = time_v([a.python, os.path.join(a.shared, "bench.py"), "pipeline", "--input",
                                    corpus, "--work", work, "--out", out_json],
                                   os.path.join(work, "time.log"))
                prec = json.load(open(out_json))
                rec = {"wall": wall, "rss_mb": rss, "stages": prec["timings"],
                       "ari": baseline_ari(a.python, work, None, topics)}
                runs["py"].append(rec)
                print(f"[{size} rep {rep}] python     {wall:.2f} s, {rss:.0f} MB", file=sys.stderr)
        results[size] = runs

    for size, runs in results.items():
        print(f"\n### {size} comments — median of {len(runs['tl'])} run(s)\n")
        print("| stage | threadlens | Python baseline | ratio |")
        print("|---|---|---|---|")
        for label, tl_key, py_keys in STAGE_MAP:
            if not any(tl_key in r["stages"] for r in runs["tl"]):
                continue  # a phase this build does not have (e.g. stages run one by one)
            tl = median([r["stages"].get(tl_key, float("nan")) for r in runs["tl"]])
            py = median([sum(r["stages"].get(k, 0.0) for k in py_keys) for r in runs["py"]]) \
                if (py_keys and runs["py"]) else float("nan")
            print(f"| {label} | {fmt_s(tl)} | {fmt_s(py)} | {ratio(py, tl)} |")
        tl_wall = median([r["wall"] for r in runs["tl"]])
        py_wall = median([r["wall"] for r in runs["py"]]) if runs["py"] else float("nan")
        tl_work = median([r["stages"].get("total", float("nan")) for r in runs["tl"]])
        py_work = median([r["stages"].get("pipeline_total_excl_import", float("nan")) for r in runs["py"]]) \
            if runs["py"] else float("nan")
        print(f"| **end to end, work only** | **{fmt_s(tl_work)}** | **{fmt_s(py_work)}** | **{ratio(py_work, tl_work)}** |")
        print(f"| **end to end, process wall** | **{fmt_s(tl_wall)}** | **{fmt_s(py_wall)}** | **{ratio(py_wall, tl_wall)}** |")
        tl_rss = median([r["rss_mb"] for r in runs["tl"]])
        py_rss = median([r["rss_mb"] for r in runs["py"]]) if runs["py"] else float("nan")
        print(f"| peak memory | {tl_rss:.0f} MB | " + ("—" if py_rss != py_rss else f"{py_rss:.0f} MB") + " | |")
        if a.python:
            tl_ari = median([r.get("ari", float("nan")) for r in runs["tl"]])
            py_ari = median([r.get("ari", float("nan")) for r in runs["py"]]) if runs["py"] else float("nan")
            print(f"| ARI vs hidden topics | {tl_ari:.3f} | {py_ari:.3f} (KMeans) | |")
    if len(results) >= 2 and "100k" in results and "1m" in results:
        t100 = median([r["wall"] for r in results["100k"]["tl"]])
        t1m = median([r["wall"] for r in results["1m"]["tl"]])
        print(f"\nscaling: time(1m) / time(100k) = {t1m / t100:.1f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
