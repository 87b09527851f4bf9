import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@transferjs/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExampleRun, runExample } from './run_example.js';

let run: ExampleRun | undefined;
afterAll(() => {
  if (run) rmSync(run.out, { recursive: true, force: true });
});

interface Results {
  smoke: boolean;
  data: { train: number; test: number; unlabelled: number; vocabSize: number; pairs: number };
  pretrain: { loss: [number, number][] };
  runs: {
    key: string;
    accuracy: number;
    f1: number;
    seconds: number;
    trainableParameters: number;
    parameters: number;
    accuracyCurve: [number, number][];
    seeds: { seed: number; accuracy: number }[];
  }[];
  frozen: {
    label: string;
    accuracy: number;
    trainableParameters: number;
    frozenParameters: number;
  }[];
  seconds: { total: number; tokenizer: number; pretrain: number; finetune: number; frozen: number };
}

describe('examples/demo (smoke mode)', () => {
  it('runs every step and writes the table, the curves and an HF model folder', async () => {
    run = runExample('demo');
    const results = JSON.parse(readFileSync(join(run.out, 'results.json'), 'utf8')) as Results;
    expect(results.smoke).toBe(true);
    // 400 sentences: 100 held out, 200 of the other 300 keep their labels, all 300 unlabelled text
    expect(results.data.train).toBe(200);
    expect(results.data.test).toBe(100);
    expect(results.data.unlabelled).toBe(300);
    expect(results.data.pairs).toBeGreaterThan(100);
    // 1. pre-training logged finite losses, starting near ln(vocab) + ln(2)
    const losses = results.pretrain.loss.map(([, l]) => l);
    expect(losses.length).toBeGreaterThan(1);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[0]).toBeGreaterThan(Math.log(results.data.vocabSize) * 0.8);
    // 2. four runs with metrics in range, and the strategies train nested parameter sets
    expect(results.runs.map((r) => r.key)).toEqual([
      'full',
      'partial',
      'feature-extraction',
      'scratch',
    ]);
    for (const r of results.runs) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.f1).toBeGreaterThanOrEqual(0);
      expect(r.f1).toBeLessThanOrEqual(1);
      expect(r.accuracyCurve.length).toBe(1);
      expect(r.seeds.map((s) => s.seed)).toEqual([42]);
    }
    const [full, partial, fe, scratch] = results.runs as [
      Results['runs'][0],
      Results['runs'][0],
      Results['runs'][0],
      Results['runs'][0],
    ];
    expect(full.trainableParameters).toBe(full.parameters);
    expect(scratch.trainableParameters).toBe(full.parameters);
    expect(partial.trainableParameters).toBeLessThan(full.trainableParameters);
    expect(fe.trainableParameters).toBe(32 * 2 + 2); // the classifier: [2, hidden] + [2]
    // 3. frozen features + logistic regression: our pre-trained encoder and a random copy
    //    (the all-MiniLM-L6-v2 pair is off in smoke mode)
    expect(results.frozen.map((r) => r.label)).toEqual([
      'ours pre-trained (MLM + NSP above)',
      'ours, random init',
    ]);
    for (const r of results.frozen) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.trainableParameters).toBe(32 + 1);
      expect(r.frozenParameters).toBe(full.parameters - (32 * 2 + 2));
    }
    for (const s of Object.values(results.seconds)) expect(s).toBeGreaterThanOrEqual(0);
    // 4. the printed tables
    expect(run.stdout).toMatch(/\| strategy\s+\| accuracy \(100\) \| F1/);
    expect(run.stdout).toMatch(/random init, full \(no pre-training\)/);
    expect(run.stdout).toMatch(/\| frozen encoder \+ logistic regression \| accuracy \(100\)/);
    // 5. the HF folder: every file, weights under HF names
    const model = join(run.out, 'model');
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]) {
      expect(existsSync(join(model, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.model_type).toBe('bert');
    expect(config.vocab_size).toBe(results.data.vocabSize);
    const vocab = readFileSync(join(model, 'vocab.txt'), 'utf8').trimEnd().split('\n');
    expect(vocab.length).toBe(results.data.vocabSize);
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const weights = await readSafetensors(join(model, 'model.safetensors'));
    const names = [...weights.tensors.keys()];
    expect(names).toContain('bert.embeddings.word_embeddings.weight');
    expect(names).toContain('bert.encoder.layer.1.output.dense.weight');
    expect(names).toContain('classifier.weight');
    // 6. the curves page: three inline SVG charts, no external resource
    const html = readFileSync(join(run.out, 'curves.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|src=/);
    // 7. the logits HF Python is checked against
    const check = JSON.parse(readFileSync(join(run.out, 'hf_check.json'), 'utf8'));
    expect(check.logits.length).toBe(8);
    expect(check.logits[0].length).toBe(2);
  });
});
