import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@transferjs/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  clipGradNorm,
  getDecayParameterNames,
  getScheduler,
  type SchedulerType,
  scheduleFactor,
  TrainerError,
} from '../index.js';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../fixtures/trainer/optimization.json',
);

interface Run {
  name: string;
  scheduler: SchedulerType;
  warmup: number;
  total: number;
  lr: number;
  wd: number;
  clip: number;
  betas: [number, number];
  eps: number;
  lrs: number[];
  grad_norms: (number | null)[];
  params: Record<string, number[]>[];
  last_lr: number;
}
interface Fixture {
  names: string[];
  shapes: Record<string, number[]>;
  decay_parameter_names: string[];
  init: Record<string, number[]>;
  grads: Record<string, number[]>[];
  runs: Run[];
}

const fx = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;

function relClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    const err = Math.abs(a - e) / Math.max(Math.abs(e), 1e-3);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(rel);
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('getDecayParameterNames', () => {
  it('matches HF Trainer.get_decay_parameter_names', () => {
    expect(getDecayParameterNames(fx.names)).toEqual(fx.decay_parameter_names);
  });
  it('excludes every normalisation naming of the BERT family', () => {
    expect(
      getDecayParameterNames([
        'distilbert.transformer.layer.0.sa_layer_norm.weight',
        'distilbert.transformer.layer.0.output_layer_norm.weight',
        'model.norm.weight',
        'bert.embeddings.word_embeddings.weight',
        'cls.predictions.bias',
      ]),
    ).toEqual(['bert.embeddings.word_embeddings.weight']);
  });
});

describe('schedules', () => {
  it('match HF get_scheduler learning rates', () => {
    for (const run of fx.runs) {
      const s = getScheduler(run.scheduler, run.lr, run.warmup, run.total);
      for (const lr of run.lrs) {
        expect(s.getLastLr()).toBeCloseTo(lr, 15);
        s.step();
      }
      expect(s.getLastLr()).toBeCloseTo(run.last_lr, 15);
    }
  });
  it('warm up linearly from 0 and decay to 0', () => {
    expect(scheduleFactor('linear', 0, 10, 100)).toBe(0);
    expect(scheduleFactor('linear', 5, 10, 100)).toBe(0.5);
    expect(scheduleFactor('linear', 100, 10, 100)).toBe(0);
    expect(scheduleFactor('linear', 120, 10, 100)).toBe(0);
    expect(scheduleFactor('cosine', 55, 10, 100)).toBeCloseTo(0.5, 12);
    expect(scheduleFactor('constant', 0, 10, 100)).toBe(1);
  });
  it('round-trips its state and refuses a different schedule', () => {
    const s = getScheduler('cosine', 1e-3, 2, 10);
    s.step();
    s.step();
    s.step();
    const t = getScheduler('cosine', 1e-3, 2, 10);
    t.loadStateDict(s.stateDict(), 'scheduler.json');
    expect(t.getLastLr()).toBe(s.getLastLr());
    const u = getScheduler('linear', 1e-3, 2, 10);
    expect(() => u.loadStateDict(s.stateDict(), 'scheduler.json')).toThrow(TrainerError);
    expect(() => u.loadStateDict(s.stateDict(), 'scheduler.json')).toThrow(/differs/);
  });
});

/** Backends the optimizer runs on here: cpu (composed ops) and, when set up, tensorflow (fused). */
const BACKENDS = ['cpu', 'tensorflow'] as const;

async function switchTo(name: (typeof BACKENDS)[number]): Promise<boolean> {
  if (name === 'cpu') return tf.setBackend('cpu');
  try {
    await useBackend('tensorflow');
    return true;
  } catch {
    return false;
  }
}

describe.each(BACKENDS)('AdamW + clip_grad_norm_ parity with torch (%s)', (backendName) => {
  let available = false;
  beforeAll(async () => {
    available = await switchTo(backendName);
    if (process.env.CI && !available) throw new Error(`backend ${backendName} is not set up`);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const run of fx.runs) {
    // cpu composes torch's exact operation order; tensorflow's fused kernel folds the bias
    // corrections into its step size and epsilon (same formula, other float32 rounding: a few
    // ulps per step).
    const tolerance = backendName === 'cpu' ? 1e-6 : 1e-5;
    it(`${run.name}: parameters after each step within ${tolerance} relative`, (ctx) => {
      if (!available) ctx.skip();
      expect(tf.getBackend()).toBe(backendName);
      const before = tf.memory().numTensors;
      const params = new Map<string, tf.Variable>();
      for (const n of fx.names) {
        params.set(
          n,
          tf.tidy(() => tf.variable(tf.tensor(fx.init[n] as number[], fx.shapes[n], 'float32'))),
        );
      }
      const opt = new AdamW(params, {
        learningRate: run.lr,
        beta1: run.betas[0],
        beta2: run.betas[1],
        epsilon: run.eps,
        weightDecay: run.wd,
      });
      expect(opt.paramGroups[0]?.names).toEqual(fx.decay_parameter_names);
      const sched = getScheduler(run.scheduler, run.lr, run.warmup, run.total);
      fx.grads.forEach((stepGrads, step) => {
        const grads = new Map<string, tf.Tensor>();
        for (const n of fx.names) {
          grads.set(n, tf.tensor(stepGrads[n] as number[], fx.shapes[n], 'float32'));
        }
        let used = grads;
        if (run.clip > 0) {
          const { grads: clipped, totalNorm } = clipGradNorm(grads, run.clip);
          expect(Math.abs(totalNorm - (run.grad_norms[step] as number))).toBeLessThan(
            1e-6 * (run.grad_norms[step] as number),
          );
          used = clipped;
        }
        opt.learningRate = sched.getLastLr();
        opt.applyGradients(used);
        sched.step();
        for (const g of grads.values()) g.dispose();
        if (used !== grads) for (const g of used.values()) g.dispose();
        for (const n of fx.names) {
          relClose(
            (params.get(n) as tf.Variable).dataSync(),
            (run.params[step] as Record<string, number[]>)[n] as number[],
            tolerance,
          );
        }
      });
      expect(opt.step).toBe(fx.grads.length);
      opt.dispose();
      for (const p of params.values()) p.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('resumes from its state tensors exactly (3 + 3 steps = 6 steps)', (ctx) => {
    if (!available) ctx.skip();
    const before = tf.memory().numTensors;
    const makeParams = () =>
      new Map(
        fx.names.map((n) => [
          n,
          tf.tidy(() => tf.variable(tf.tensor(fx.init[n] as number[], fx.shapes[n], 'float32'))),
        ]),
      );
    const gradsAt = (step: number) =>
      new Map(
        fx.names.map((n) => [
          n,
          tf.tensor(
            (fx.grads[step % fx.grads.length] as Record<string, number[]>)[n] as number[],
            fx.shapes[n],
            'float32',
          ),
        ]),
      );
    const options = { learningRate: 1e-2, weightDecay: 0.1 };
    const stepWith = (opt: AdamW, step: number) => {
      const g = gradsAt(step);
      opt.applyGradients(g);
      tf.dispose([...g.values()]);
    };
    const straight = makeParams();
    const optA = new AdamW(straight, options);
    for (let i = 0; i < 6; i++) stepWith(optA, i);

    const resumed = makeParams();
    const optB = new AdamW(resumed, options);
    for (let i = 0; i < 3; i++) stepWith(optB, i);
    const saved = new Map(
      [...optB.stateTensors()].map(([k, t]) => [
        k,
        { shape: t.shape, data: Float32Array.from(t.dataSync()) },
      ]),
    );
    const steps = optB.paramSteps();
    optB.dispose();
    const optC = new AdamW(resumed, options);
    optC.loadState(3, steps, saved, 'test');
    for (let i = 3; i < 6; i++) stepWith(optC, i);
    for (const n of fx.names) {
      expect(Array.from((resumed.get(n) as tf.Variable).dataSync())).toEqual(
        Array.from((straight.get(n) as tf.Variable).dataSync()),
      );
    }
    optA.dispose();
    optC.dispose();
    tf.dispose([...straight.values(), ...resumed.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a decay name that is not a parameter', () => {
    const p = new Map([['w', tf.tidy(() => tf.variable(tf.zeros([2])))]]);
    expect(() => new AdamW(p, { decayParameterNames: ['nope'] })).toThrow(/'nope'/);
    (p.get('w') as tf.Variable).dispose();
  });
});
