import { describe, expect, it } from 'vitest';
import { TrainerError, TrainingArguments, type TrainingArgumentsInit } from '../index.js';

function fails(init: Record<string, unknown>, ...parts: string[]): void {
  let caught: unknown;
  try {
    new TrainingArguments(init as unknown as TrainingArgumentsInit);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TrainerError);
  const err = caught as TrainerError;
  expect(err.code).toBe('INVALID_ARGUMENT');
  for (const p of parts) expect(err.message).toContain(p);
}

describe('TrainingArguments', () => {
  it('has HF defaults', () => {
    const a = new TrainingArguments({ outputDir: 'out' });
    expect(a.learningRate).toBe(5e-5);
    expect(a.numTrainEpochs).toBe(3);
    expect(a.maxSteps).toBe(-1);
    expect(a.perDeviceTrainBatchSize).toBe(8);
    expect(a.perDeviceEvalBatchSize).toBe(8);
    expect(a.gradientAccumulationSteps).toBe(1);
    expect(a.weightDecay).toBe(0);
    expect(a.adamBeta1).toBe(0.9);
    expect(a.adamBeta2).toBe(0.999);
    expect(a.adamEpsilon).toBe(1e-8);
    expect(a.maxGradNorm).toBe(1);
    expect(a.lrSchedulerType).toBe('linear');
    expect(a.evalStrategy).toBe('no');
    expect(a.saveStrategy).toBe('steps');
    expect(a.saveSteps).toBe(500);
    expect(a.loggingSteps).toBe(500);
    expect(a.evalSteps).toBe(500);
    expect(a.seed).toBe(42);
    expect(a.saveTotalLimit).toBeUndefined();
    expect(a.metricForBestModel).toBeUndefined();
    expect(a.dataloaderDropLast).toBe(false);
  });

  it('evalSteps defaults to loggingSteps; warmup steps win over the ratio', () => {
    const a = new TrainingArguments({ outputDir: 'o', loggingSteps: 7, warmupRatio: 0.1 });
    expect(a.evalSteps).toBe(7);
    expect(a.getWarmupSteps(95)).toBe(10); // ceil(9.5)
    const b = new TrainingArguments({ outputDir: 'o', warmupSteps: 3, warmupRatio: 0.5 });
    expect(b.getWarmupSteps(100)).toBe(3);
  });

  it('tracks the loss by default for the best model, lower is better', () => {
    const a = new TrainingArguments({
      outputDir: 'o',
      loadBestModelAtEnd: true,
      evalStrategy: 'steps',
      evalSteps: 5,
      saveSteps: 10,
    });
    expect(a.metricForBestModel).toBe('loss');
    expect(a.greaterIsBetter).toBe(false);
    const b = new TrainingArguments({ outputDir: 'o', metricForBestModel: 'accuracy' });
    expect(b.greaterIsBetter).toBe(true);
  });

  it('serialises as HF snake_case', () => {
    const j = new TrainingArguments({ outputDir: 'o', learningRate: 2e-5 }).toJSON();
    expect(j.output_dir).toBe('o');
    expect(j.learning_rate).toBe(2e-5);
    expect(j.per_device_train_batch_size).toBe(8);
    expect(j.lr_scheduler_type).toBe('linear');
  });

  it('rejects bad values naming the argument, what was expected and what was found', () => {
    fails({}, 'outputDir', 'non-empty');
    fails({ outputDir: 'o', learningRate: -1 }, 'learningRate', '>= 0', '-1');
    fails({ outputDir: 'o', adamBeta1: 1.5 }, 'adamBeta1', '[0, 1)', '1.5');
    fails({ outputDir: 'o', adamEpsilon: 0 }, 'adamEpsilon', '> 0');
    fails(
      { outputDir: 'o', perDeviceTrainBatchSize: 2.5 },
      'perDeviceTrainBatchSize',
      'integer',
      '2.5',
    );
    fails({ outputDir: 'o', gradientAccumulationSteps: 0 }, 'gradientAccumulationSteps');
    fails({ outputDir: 'o', maxSteps: 0 }, 'maxSteps', '-1');
    fails({ outputDir: 'o', numTrainEpochs: Number.NaN }, 'numTrainEpochs', 'NaN');
    fails(
      { outputDir: 'o', lrSchedulerType: 'polynomial' },
      'lrSchedulerType',
      "'cosine'",
      "'polynomial'",
    );
    fails({ outputDir: 'o', evalStrategy: 'sometimes' }, 'evalStrategy', "'epoch'");
    fails({ outputDir: 'o', warmupRatio: 2 }, 'warmupRatio', '[0, 1]');
    fails({ outputDir: 'o', saveTotalLimit: 0 }, 'saveTotalLimit', '>= 1');
    fails({ outputDir: 'o', labelNames: [] }, 'labelNames');
    fails(
      { outputDir: 'o', learning_rate: 1e-3 },
      "unknown option 'learning_rate'",
      'learningRate',
    );
    fails({ outputDir: 'o', maxGradNorm: '1' }, 'maxGradNorm', "'1'");
  });

  it('checks the cross-field rules of load_best_model_at_end', () => {
    fails({ outputDir: 'o', loadBestModelAtEnd: true }, 'evalStrategy', 'loadBestModelAtEnd');
    fails(
      { outputDir: 'o', loadBestModelAtEnd: true, evalStrategy: 'epoch', saveStrategy: 'steps' },
      'saveStrategy',
      "'epoch'",
    );
    fails(
      {
        outputDir: 'o',
        loadBestModelAtEnd: true,
        evalStrategy: 'steps',
        evalSteps: 3,
        saveSteps: 10,
      },
      'saveSteps',
      'multiple of evalSteps (3)',
    );
    fails({ outputDir: 'o', saveStrategy: 'best' }, 'evalStrategy', "'best'");
  });
});
