import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallbackEvent,
  DataCollatorForLanguageModeling,
  EarlyStoppingCallback,
  type EvalPrediction,
  Trainer,
  TrainerError,
  type TrainingArgumentsInit,
} from '../index.js';
import { readF32Safetensors, TinyModel, toyClassification, toyText } from './tiny_model.js';

const root = mkdtempSync(join(tmpdir(), 'transferjs-trainer-'));
let dirCount = 0;
const outDir = (): string => join(root, `run-${dirCount++}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const quiet: Partial<TrainingArgumentsInit> = {
  logLevel: 'warning',
  disableTqdm: true,
  saveStrategy: 'no',
};

function accuracy({ predictions, labelIds }: EvalPrediction): Record<string, number> {
  const [n, c] = predictions.shape as [number, number];
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) {
      if ((predictions.data[i * c + j] as number) > (predictions.data[i * c + best] as number))
        best = j;
    }
    if (best === labelIds?.data[i]) right += 1;
  }
  return { accuracy: right / n };
}

function same(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('Trainer: full fine-tuning', () => {
  it('learns the toy task, logs HF log_history, writes trainer_state.json and JSONL logs', async () => {
    const model = new TinyModel({ seed: 3 });
    const dir = outDir();
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: dir,
        numTrainEpochs: 5,
        perDeviceTrainBatchSize: 16,
        learningRate: 1e-2,
        warmupRatio: 0.1,
        weightDecay: 0.01,
        loggingSteps: 8,
        evalStrategy: 'epoch',
      },
      trainDataset: toyClassification(128, 1),
      evalDataset: toyClassification(64, 2),
      computeMetrics: accuracy,
    });
    const before = await trainer.evaluate();
    const out = await trainer.train();
    const after = await trainer.evaluate();
    expect(out.globalStep).toBe(5 * 8);
    expect(after.eval_accuracy).toBeGreaterThan(0.85);
    expect(after.eval_loss).toBeLessThan(before.eval_loss as number);
    const history = trainer.state.logHistory;
    const train = history.filter((h) => 'loss' in h);
    expect(train.length).toBe(5);
    expect(Object.keys(train[0] ?? {})).toEqual([
      'loss',
      'grad_norm',
      'learning_rate',
      'epoch',
      'step',
    ]);
    expect(train[0]?.step).toBe(8);
    expect(train[0]?.epoch).toBe(1);
    expect((train.at(-1)?.loss as number) < (train[0]?.loss as number)).toBe(true);
    const evals = history.filter((h) => 'eval_loss' in h);
    // train() starts a fresh TrainerState (as HF): 5 epoch evaluations + the one after training
    expect(evals.length).toBe(5 + 1);
    expect(Object.keys(evals[1] ?? {})).toEqual(
      expect.arrayContaining([
        'eval_loss',
        'eval_accuracy',
        'eval_runtime',
        'eval_samples_per_second',
        'eval_steps_per_second',
        'epoch',
        'step',
      ]),
    );
    const final = history.find((h) => 'train_loss' in h);
    expect(final).toBeDefined();
    expect(final?.train_runtime).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(40);
    expect(state.max_steps).toBe(40);
    expect(state.log_history.length).toBeGreaterThan(0);
    expect(Object.keys(state)).toEqual(
      expect.arrayContaining([
        'best_metric',
        'best_model_checkpoint',
        'epoch',
        'log_history',
        'logging_steps',
        'train_batch_size',
        'total_flos',
      ]),
    );
    const jsonl = readFileSync(join(dir, 'trainer_log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.filter((l) => 'loss' in l).length).toBe(5);
    trainer.dispose();
    model.dispose();
  });

  it('gradient accumulation of 2 x 4 equals batches of 8', async () => {
    const data = toyClassification(64, 5);
    const run = async (bs: number, gas: number): Promise<Map<string, Float32Array>> => {
      const model = new TinyModel({ seed: 9 });
      const trainer = new Trainer({
        model,
        args: {
          ...quiet,
          outputDir: outDir(),
          maxSteps: 6,
          perDeviceTrainBatchSize: bs,
          gradientAccumulationSteps: gas,
          learningRate: 5e-3,
        },
        trainDataset: data,
      });
      // the same examples per update: the permutation is the same, groups are consecutive
      await trainer.train();
      const snap = model.snapshot();
      trainer.dispose();
      model.dispose();
      return snap;
    };
    const a = await run(8, 1);
    const b = await run(4, 2);
    for (const [name, va] of a) {
      const vb = b.get(name) as Float32Array;
      let worst = 0;
      for (let i = 0; i < va.length; i++)
        worst = Math.max(worst, Math.abs((va[i] as number) - (vb[i] as number)));
      expect(worst, name).toBeLessThan(2e-5);
    }
  });

  it('leaks no tensors across steps', async () => {
    const model = new TinyModel({ seed: 4 });
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: outDir(),
        maxSteps: 12,
        perDeviceTrainBatchSize: 8,
        gradientAccumulationSteps: 2,
        loggingSteps: 3,
      },
      trainDataset: toyClassification(64, 7),
      evalDataset: toyClassification(16, 8),
      computeMetrics: accuracy,
      callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    await trainer.train();
    await trainer.evaluate();
    await trainer.predict(toyClassification(10, 9));
    // step 1 creates the AdamW moments; after that the count is flat
    expect(new Set(counts.slice(1)).size).toBe(1);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('predict returns logits [N, C] and labels, with test_ metrics', async () => {
    const model = new TinyModel({ seed: 4, labels: 3 });
    const trainer = new Trainer({
      model,
      args: { ...quiet, outputDir: outDir() },
      computeMetrics: accuracy,
    });
    const data = toyClassification(21, 3);
    const p = await trainer.predict(data);
    expect(p.predictions.shape).toEqual([21, 3]);
    expect(Array.from(p.labelIds?.data ?? [])).toEqual(data.map((d) => d.label));
    expect(p.metrics.test_accuracy).toBeGreaterThanOrEqual(0);
    expect(p.metrics.test_loss).toBeGreaterThan(0);
    model.dispose();
  });
});

describe('Trainer: progress bar', () => {
  const capture = async (args: Partial<TrainingArgumentsInit>): Promise<string> => {
    const model = new TinyModel({ seed: 5 });
    const chunks: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const t = new Trainer({
        model,
        args: {
          outputDir: outDir(),
          saveStrategy: 'no',
          maxSteps: 3,
          perDeviceTrainBatchSize: 8,
          loggingSteps: 1,
          ...args,
        },
        trainDataset: toyClassification(24, 1),
      });
      await t.train();
      t.dispose();
    } finally {
      process.stdout.write = original;
      model.dispose();
    }
    return chunks.join('');
  };

  it('draws on request, prints log lines above it; stays quiet when disabled', async () => {
    const shown = await capture({ disableTqdm: false, logLevel: 'warning' });
    expect(shown).toContain('\r');
    expect(shown).toMatch(/train .* 3\/3 \[/);
    expect(shown).toContain('"loss":');
    const hidden = await capture({ disableTqdm: true, logLevel: 'warning' });
    expect(hidden).toBe('');
    // no bar and logLevel passive: one JSON line per log entry (HF's PrinterCallback)
    const printed = await capture({ disableTqdm: true });
    expect(printed.trim().split('\n').length).toBe(3 + 1);
  });
});

describe('Trainer: strategies and freezing', () => {
  const train = async (options: {
    strategy?: 'full' | 'feature-extraction' | 'partial';
    trainableLayers?: number;
    freeze?: (string | RegExp)[];
  }): Promise<{
    trainer: Trainer;
    before: Map<string, Float32Array>;
    after: Map<string, Float32Array>;
  }> => {
    const model = new TinyModel({ seed: 11, layers: 3 });
    const before = model.snapshot();
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: outDir(),
        maxSteps: 4,
        perDeviceTrainBatchSize: 8,
        learningRate: 1e-2,
        weightDecay: 0.1,
      },
      trainDataset: toyClassification(32, 1),
      ...options,
    });
    await trainer.train();
    const after = model.snapshot();
    trainer.dispose();
    model.dispose();
    return { trainer, before, after };
  };

  const H = 16;
  const C = 2;

  it('feature-extraction trains only the head; frozen weights stay bit-identical', async () => {
    const { trainer, before, after } = await train({ strategy: 'feature-extraction' });
    expect(trainer.trainableParameterNames).toEqual(['classifier.weight', 'classifier.bias']);
    expect(trainer.numTrainableParameters()).toBe(C * H + C);
    for (const n of trainer.frozenParameterNames)
      expect(same(before.get(n), after.get(n)), n).toBe(true);
    for (const n of trainer.trainableParameterNames)
      expect(same(before.get(n), after.get(n)), n).toBe(false);
  });

  it('partial trains the top N layers, the pooler and the head', async () => {
    const { trainer, before, after } = await train({ strategy: 'partial', trainableLayers: 1 });
    expect(trainer.trainableParameterNames).toEqual([
      'bert.encoder.layer.2.intermediate.dense.weight',
      'bert.encoder.layer.2.intermediate.dense.bias',
      'bert.encoder.layer.2.output.LayerNorm.weight',
      'bert.encoder.layer.2.output.LayerNorm.bias',
      'bert.pooler.dense.weight',
      'bert.pooler.dense.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(trainer.numTrainableParameters()).toBe(H * H + 3 * H + (H * H + H) + (C * H + C));
    for (const n of trainer.frozenParameterNames)
      expect(same(before.get(n), after.get(n)), n).toBe(true);
    expect(trainer.frozenParameterNames).toContain(
      'bert.encoder.layer.1.intermediate.dense.weight',
    );
    expect(trainer.frozenParameterNames).toContain('bert.embeddings.word_embeddings.weight');
  });

  it('full trains everything; freeze patterns keep the matching weights', async () => {
    const { trainer, before, after } = await train({ freeze: ['embeddings', /layer\.0\./] });
    const all = trainer.trainableParameterNames.length + trainer.frozenParameterNames.length;
    expect(all).toBe(4 + 3 * 4 + 4);
    expect(trainer.frozenParameterNames.length).toBe(4 + 4);
    for (const n of trainer.frozenParameterNames)
      expect(same(before.get(n), after.get(n)), n).toBe(true);
    for (const n of trainer.trainableParameterNames)
      expect(same(before.get(n), after.get(n)), n).toBe(false);
  });

  it('rejects impossible strategies with clear errors', () => {
    const model = new TinyModel({ seed: 1, layers: 2 });
    const make = (o: Record<string, unknown>) => () =>
      new Trainer({ model, args: { ...quiet, outputDir: outDir() }, ...o });
    expect(make({ strategy: 'partial', trainableLayers: 5 })).toThrow(
      /trainableLayers: expected an integer in \[0, 2\].*found 5/,
    );
    expect(make({ strategy: 'sideways' })).toThrow(/strategy/);
    expect(make({ freeze: ['.*'] })).toThrow(/no parameter left to train/);
    expect(make({ freeze: ['('] })).toThrow(/not a valid regular expression/);
    model.dispose();
  });
});

describe('Trainer: checkpoints, resume, best model, early stopping', () => {
  it('writes complete checkpoints atomically and rotates them with saveTotalLimit', async () => {
    const model = new TinyModel({ seed: 2 });
    const dir = outDir();
    const saved: string[] = [];
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: dir,
        maxSteps: 10,
        perDeviceTrainBatchSize: 8,
        saveStrategy: 'steps',
        saveSteps: 3,
        saveTotalLimit: 2,
      },
      trainDataset: toyClassification(40, 1),
      tokenizer: {
        savePretrained: async (d: string) =>
          void (await import('node:fs/promises')).writeFile(join(d, 'vocab.txt'), '[PAD]\n'),
      },
      callbacks: [{ onSave: (e: CallbackEvent) => void saved.push(e.checkpoint as string) }],
    });
    await trainer.train();
    expect(saved.map((s) => s.split('/').pop())).toEqual([
      'checkpoint-3',
      'checkpoint-6',
      'checkpoint-9',
      'checkpoint-10',
    ]);
    expect(
      readdirSync(dir)
        .filter((d) => d.startsWith('checkpoint-'))
        .sort(),
    ).toEqual(['checkpoint-10', 'checkpoint-9']);
    expect(readdirSync(dir).some((d) => d.startsWith('.tmp'))).toBe(false);
    const files = readdirSync(join(dir, 'checkpoint-10')).sort();
    expect(files).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
      'rng_state.json',
      'scheduler.json',
      'trainer_state.json',
      'training_args.json',
      'vocab.txt',
    ]);
    const sched = JSON.parse(readFileSync(join(dir, 'checkpoint-10', 'scheduler.json'), 'utf8'));
    expect(sched.last_epoch).toBe(10);
    trainer.dispose();
    model.dispose();
  });

  it('resumeFromCheckpoint continues exactly as an uninterrupted run (MLM collator RNG, accumulation, warmup)', async () => {
    const data = toyText(48, 4);
    const collator = () =>
      new DataCollatorForLanguageModeling({
        padTokenId: 0,
        maskTokenId: 4,
        vocabSize: 64,
        specialTokenIds: [0, 1, 2, 3, 4],
        seed: 5,
      });
    const args = (dir: string): TrainingArgumentsInit => ({
      ...quiet,
      outputDir: dir,
      maxSteps: 12,
      perDeviceTrainBatchSize: 8,
      gradientAccumulationSteps: 2,
      learningRate: 1e-2,
      warmupSteps: 3,
      weightDecay: 0.01,
      loggingSteps: 1,
      saveStrategy: 'steps',
      saveSteps: 4,
    });
    // uninterrupted
    const dirA = outDir();
    const a = new TinyModel({ seed: 6, head: 'mlm' });
    const ta = new Trainer({
      model: a,
      args: args(dirA),
      trainDataset: data,
      dataCollator: collator(),
    });
    await ta.train();
    const finalA = a.snapshot();
    const lossesA = ta.state.logHistory.filter((h) => 'loss' in h);
    ta.dispose();
    // interrupted at step 8 (its checkpoint), resumed in a fresh process-like setup
    const b = new TinyModel({ seed: 99, head: 'mlm' }); // different init: the checkpoint must overwrite it
    const tb = new Trainer({
      model: b,
      args: args(dirA),
      trainDataset: data,
      dataCollator: collator(),
    });
    await tb.train({ resumeFromCheckpoint: join(dirA, 'checkpoint-8') });
    const finalB = b.snapshot();
    for (const [n, v] of finalA) expect(same(v, finalB.get(n)), n).toBe(true);
    const lossesB = tb.state.logHistory.filter((h) => 'loss' in h);
    expect(lossesB.map((h) => [h.step, h.loss, h.grad_norm, h.learning_rate])).toEqual(
      lossesA.map((h) => [h.step, h.loss, h.grad_norm, h.learning_rate]),
    );
    // resume: true finds the newest checkpoint; at max steps nothing more happens
    const out = await tb.train({ resumeFromCheckpoint: true });
    expect(out.globalStep).toBe(12);
    tb.dispose();
    a.dispose();
    b.dispose();
  });

  it('tracks the best checkpoint, keeps it through rotation and loads it at the end', async () => {
    const scores = [0.5, 0.9, 0.7, 0.6];
    let call = 0;
    const model = new TinyModel({ seed: 8 });
    const dir = outDir();
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: dir,
        maxSteps: 8,
        perDeviceTrainBatchSize: 8,
        learningRate: 1e-2,
        evalStrategy: 'steps',
        evalSteps: 2,
        saveStrategy: 'steps',
        saveSteps: 2,
        saveTotalLimit: 1,
        loadBestModelAtEnd: true,
        metricForBestModel: 'score',
      },
      trainDataset: toyClassification(32, 1),
      evalDataset: toyClassification(8, 2),
      computeMetrics: () => ({ score: scores[call++] as number }),
    });
    await trainer.train();
    expect(trainer.state.bestMetric).toBe(0.9);
    expect(trainer.state.bestGlobalStep).toBe(4);
    expect(trainer.state.bestModelCheckpoint).toBe(join(dir, 'checkpoint-4'));
    expect(
      readdirSync(dir)
        .filter((d) => d.startsWith('checkpoint-'))
        .sort(),
    ).toEqual(['checkpoint-4', 'checkpoint-8']);
    // the weights in memory are the best checkpoint's, not the last step's
    const best = readF32Safetensors(readFileSync(join(dir, 'checkpoint-4', 'model.safetensors')));
    const last = readF32Safetensors(readFileSync(join(dir, 'checkpoint-8', 'model.safetensors')));
    const a = model.snapshot();
    for (const [n, v] of a) expect(same(v, best.get(n)), n).toBe(true);
    expect(same(a.get('classifier.weight'), last.get('classifier.weight'))).toBe(false);
    trainer.dispose();
    model.dispose();
  });

  it('early stopping ends training when the metric stops improving', async () => {
    const model = new TinyModel({ seed: 8 });
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: outDir(),
        maxSteps: 40,
        perDeviceTrainBatchSize: 8,
        learningRate: 0, // nothing changes: the loss never improves after the first evaluation
        evalStrategy: 'steps',
        evalSteps: 3,
        metricForBestModel: 'loss',
      },
      trainDataset: toyClassification(32, 1),
      evalDataset: toyClassification(8, 2),
      callbacks: [new EarlyStoppingCallback({ patience: 2 })],
    });
    const out = await trainer.train();
    expect(out.globalStep).toBe(9);
    trainer.dispose();
    model.dispose();
  });

  it('a NaN loss stops training with a TrainerError and keeps the last good checkpoint', async () => {
    const POISON = 63;
    const data = toyClassification(40, 1);
    const model = new TinyModel({ seed: 2, poisonId: POISON });
    const dir = outDir();
    // the poisoned example comes after some clean steps: find its batch in the (seeded) order
    const poisoned = data.map((d) => ({ ...d }));
    const trainer = new Trainer({
      model,
      args: {
        ...quiet,
        outputDir: dir,
        numTrainEpochs: 3,
        perDeviceTrainBatchSize: 8,
        saveStrategy: 'steps',
        saveSteps: 2,
      },
      trainDataset: poisoned,
      callbacks: [
        {
          onStepEnd: ({ state }) => {
            // poison every example once step 3 is done: step 4 hits NaN
            if (state.globalStep === 3)
              for (const p of poisoned) p.input_ids = [...p.input_ids, POISON];
          },
        },
      ],
    });
    let caught: unknown;
    const snapshots: Map<string, Float32Array>[] = [];
    trainer.addCallback({ onStepEnd: () => void snapshots.push(model.snapshot()) });
    try {
      await trainer.train();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TrainerError);
    const err = caught as TrainerError;
    expect(err.code).toBe('NON_FINITE_LOSS');
    expect(err.message).toMatch(/loss is NaN at step 4/);
    expect(err.message).toContain(join(dir, 'checkpoint-2'));
    expect(existsSync(join(dir, 'checkpoint-2', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoint-4'))).toBe(false);
    // the NaN update was not applied: the weights are those after step 3, all finite
    const now = model.snapshot();
    for (const [n, v] of snapshots[2] as Map<string, Float32Array>)
      expect(same(v, now.get(n)), n).toBe(true);
    for (const v of now.values()) expect(v.every(Number.isFinite)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer: bad input', () => {
  const model = new TinyModel({ seed: 1 });
  afterAll(() => model.dispose());
  const fails = async (o: Record<string, unknown>, code: string, re: RegExp): Promise<void> => {
    let caught: unknown;
    try {
      const t = new Trainer({ model, args: { ...quiet, outputDir: outDir(), maxSteps: 2 }, ...o });
      await t.train();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TrainerError);
    expect((caught as TrainerError).code).toBe(code);
    expect((caught as TrainerError).message).toMatch(re);
  };

  it('empty dataset, missing columns, label count mismatch, eval without data', async () => {
    await fails({ trainDataset: [] }, 'EMPTY_DATASET', /0 rows/);
    await fails(
      { trainDataset: [{ sentence: 'hello', label: 1 }] },
      'MISSING_COLUMN',
      /no 'input_ids'/,
    );
    await fails({ trainDataset: [{ input_ids: [2, 10, 3] }] }, 'MISSING_COLUMN', /no labels/);
    await fails(
      { trainDataset: [{ input_ids: [2, 10, 3], label: 5 }] },
      'LABEL_MISMATCH',
      /label 5 is outside \[0, 2\) \(config.json num_labels = 2\)/,
    );
    await fails(
      {
        trainDataset: toyClassification(8, 1),
        args: { ...quiet, outputDir: outDir(), evalStrategy: 'steps' },
      },
      'INVALID_ARGUMENT',
      /no evalDataset/,
    );
  });

  it('resume from a folder that is not a checkpoint', async () => {
    const t = new Trainer({
      model,
      args: { ...quiet, outputDir: outDir(), maxSteps: 2 },
      trainDataset: toyClassification(8, 1),
    });
    await expect(t.train({ resumeFromCheckpoint: join(root, 'nope') })).rejects.toThrow(
      /is not a checkpoint folder/,
    );
    await expect(t.train({ resumeFromCheckpoint: true })).rejects.toThrow(
      /no checkpoint-<step> folder/,
    );
    t.dispose();
  });
});
