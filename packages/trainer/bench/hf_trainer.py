"""HF Trainer + PyTorch on the same task, model size and data shape as bench.mjs.

Prints one JSON line: {"samples_per_second": ..., "steps": ..., "seconds": ...}.
Usage: python3 hf_trainer.py <vocab> <hidden> <layers> <heads> <intermediate> <seq> <batch> <steps>
"""

import json
import sys
import tempfile
import time

import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainerCallback, TrainingArguments

vocab, hidden, layers, heads, inter, seq, batch, steps = (int(x) for x in sys.argv[1:9])
torch.set_num_threads(2)
torch.manual_seed(0)

config = BertConfig(
    vocab_size=vocab,
    hidden_size=hidden,
    num_hidden_layers=layers,
    num_attention_heads=heads,
    intermediate_size=inter,
    max_position_embeddings=max(512, seq),
    num_labels=2,
)
model = BertForSequenceClassification(config)
g = torch.Generator().manual_seed(1)
n = batch * (steps + 3)
ids = torch.randint(5, vocab, (n, seq), generator=g)
labels = torch.randint(0, 2, (n,), generator=g)


class Data(torch.utils.data.Dataset):
    def __len__(self):
        return n

    def __getitem__(self, i):
        return {"input_ids": ids[i], "attention_mask": torch.ones(seq, dtype=torch.long), "labels": labels[i]}


WARMUP = 3
marks = {}


class Clock(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == WARMUP:
            marks["start"] = time.perf_counter()


with tempfile.TemporaryDirectory() as out:
    args = TrainingArguments(
        output_dir=out,
        max_steps=steps + 3,
        per_device_train_batch_size=batch,
        learning_rate=5e-5,
        save_strategy="no",
        logging_steps=50,
        report_to=[],
        disable_tqdm=True,
        use_cpu=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(model=model, args=args, train_dataset=Data(), callbacks=[Clock()])
    trainer.train()
    seconds = time.perf_counter() - marks["start"]
    # timed from the end of the 3 warmup steps, as bench.mjs does
    print(json.dumps({"samples_per_second": steps * batch / seconds, "steps": steps, "seconds": seconds}))
