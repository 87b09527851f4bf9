// Installed alone from its tarball: one real training step (AdamW, schedule, clipping) of a tiny
// BertForSequenceClassification through the Trainer, and a checkpoint on disk.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForSequenceClassification, useBackend } from '@transferjs/transformers';
import { Trainer } from '@transferjs/trainer';

await useBackend();
const dir = join(process.env.TRANSFERJS_FIXTURES, 'transformers', 'bert', 'sequenceclassification');
const model = await BertForSequenceClassification.fromPretrained(dir);
const out = mkdtempSync(join(tmpdir(), 'smoke-trainer-'));
const rows = Array.from({ length: 8 }, (_, i) => ({
  input_ids: [2, 5 + i, 7 + (i % 3), 3],
  attention_mask: [1, 1, 1, 1],
  label: i % 3,
}));
const trainer = new Trainer({
  model,
  args: { outputDir: out, maxSteps: 1, perDeviceTrainBatchSize: 8, saveStrategy: 'steps', saveSteps: 1, learningRate: 5e-5 },
  trainDataset: rows,
});
const result = await trainer.train();
if (!Number.isFinite(result.trainingLoss)) throw new Error(`loss ${JSON.stringify(result)}`);
if (!existsSync(join(out, 'checkpoint-1', 'model.safetensors'))) throw new Error('no checkpoint');
console.log(`ok: 1 step, loss ${(result.trainingLoss).toFixed(4)}, checkpoint-1 written`);
