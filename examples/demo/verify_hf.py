"""Checks that HF Python loads the demo's model folder as it is, and computes the same thing.

    python3 examples/demo/verify_hf.py examples/demo/out/model

1. AutoTokenizer.from_pretrained + AutoModelForSequenceClassification.from_pretrained load the
   folder with no missing, unexpected or mismatched keys;
2. HF's tokenizer gives the same input ids as ours for the sentences in ../hf_check.json;
3. HF's logits (PyTorch, eval mode) equal ours to 1e-4.
Exits non-zero with the reason otherwise. Needs torch + transformers.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main(model_dir: str) -> None:
    folder = Path(model_dir)
    check = json.loads((folder.parent / "hf_check.json").read_text())
    tok = AutoTokenizer.from_pretrained(folder)
    model, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"{folder}: loading reported {problems}")
    model.eval()
    batch = tok(check["texts"], padding=True, return_tensors="pt")
    ids = [[i for i, m in zip(row, mask) if m] for row, mask in zip(batch["input_ids"].tolist(), batch["attention_mask"].tolist())]
    if ids != check["input_ids"]:
        sys.exit(f"{folder}: HF tokenizer ids differ from ours:\nHF   {ids}\nours {check['input_ids']}")
    with torch.no_grad():
        logits = model(**batch).logits
    diff = (logits - torch.tensor(check["logits"])).abs().max().item()
    if diff > 1e-4:
        sys.exit(f"{folder}: logits differ from ours by {diff:.2e} (> 1e-4)")
    print(
        f"{type(tok).__name__} + {type(model).__name__} loaded with no missing/unexpected keys; "
        f"same ids on {len(ids)} sentences; logits max abs diff {diff:.1e}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 verify_hf.py <model folder>")
    main(sys.argv[1])
