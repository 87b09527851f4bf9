"""The HF side of `pnpm bench` (run by bench.mjs with the same files): datasets + a fast BERT
tokenizer (transformers' BertTokenizerFast on the same vocab.txt). Prints one JSON object.
Also reports how many of our tokenized rows (ours_tokenized_sst2) equal HF's ids."""

import gc
import json
import os
import resource
import shutil
import sys
import time

os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
import datasets  # noqa: E402
from transformers import BertTokenizerFast  # noqa: E402

datasets.disable_progress_bars()


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1000


def main(work, vocab):
    cache = os.path.join(work, "hf_cache")
    # Cold start: no cache from an earlier run (load_dataset and flatten_indices reuse them).
    for d in ("hf_cache", "hf_saved_sst2", "hf_saved_mnli"):
        shutil.rmtree(os.path.join(work, d), ignore_errors=True)
    res = {}
    sst_tsv = os.path.join(work, "glue_data", "SST-2", "train.tsv")
    mnli_tsv = os.path.join(work, "glue_data", "MNLI", "train.tsv")
    kw = dict(delimiter="\t", quoting=3, cache_dir=cache)
    sst, res["load_sst2_tsv_ms"] = timed(lambda: datasets.load_dataset("csv", data_files=sst_tsv, split="train", **kw))
    mnli, res["load_mnli_tsv_ms"] = timed(lambda: datasets.load_dataset("csv", data_files=mnli_tsv, split="train", **kw))
    sst.save_to_disk(os.path.join(work, "hf_saved_sst2"))
    mnli.save_to_disk(os.path.join(work, "hf_saved_mnli"))
    del mnli
    gc.collect()
    for name in ("sst2", "mnli"):
        # RSS growth of the first open; time = median of 5 opens (as bench.mjs).
        times = []
        for k in range(5):
            gc.collect()
            r0 = rss_mb()
            d, ms = timed(lambda: datasets.load_from_disk(os.path.join(work, f"hf_saved_{name}")))
            times.append(ms)
            if k == 0:
                res[f"reopen_{name}_rss_mb"] = rss_mb() - r0
        res[f"reopen_{name}_ms"] = sorted(times)[2]
        if name == "mnli":
            mnli = d
    # transformers 5: BertTokenizerFast is BertTokenizer (Rust backend) and takes `vocab`;
    # `vocab_file=` is silently ignored there (every token becomes [UNK]).
    try:
        tok = BertTokenizerFast(vocab=vocab)
    except TypeError:
        tok = BertTokenizerFast(vocab_file=vocab)
    probe = tok("hello world")["input_ids"]
    if probe[0] != 101 or 100 in probe:
        raise SystemExit(f"BertTokenizerFast did not load {vocab}: {probe}")

    def tokenize(b):
        return tok(b["sentence"], truncation=True, max_length=128)

    tokd, ms = timed(lambda: sst.map(tokenize, batched=True, load_from_cache_file=False))
    res["map_tokenize_sst2_ms"] = ms
    res["map_rows_per_s"] = len(sst) / (ms / 1000)
    _, res["shuffle_select_mnli_ms"] = timed(lambda: mnli.shuffle(seed=0).select(range(10_000)).flatten_indices())
    fmt = tokd.with_format("torch", columns=["input_ids", "attention_mask", "token_type_ids", "label"])

    def iterate():
        n = 0
        for b in fmt.select(range(10_000)).iter(batch_size=32):
            n += len(b["label"])
        return n

    _, res["iter_10k_torch_ms"] = timed(iterate)
    ours = os.path.join(work, "ours_tokenized_sst2")
    if os.path.exists(ours):
        o = datasets.load_from_disk(ours)
        cols = ["input_ids", "token_type_ids", "attention_mask"]
        a = o.select_columns(cols).to_dict()
        b = tokd.select_columns(cols).to_dict()
        res["tokenized_rows_equal"] = sum(all(a[c][i] == b[c][i] for c in cols) for i in range(len(o)))
        res["tokenized_rows"] = len(o)
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
