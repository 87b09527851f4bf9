import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from './checkpoint.js';
import { TrainerError } from './errors.js';
import type { FineTuningStrategy } from './freezing.js';
import { type EvalPrediction, Trainer } from './trainer.js';
import { TrainingArguments, type TrainingArgumentsInit } from './training_args.js';

// run_glue, as HF's examples/pytorch/text-classification/run_glue.py: load a GLUE task from a
// data folder, tokenize it with the model folder's tokenizer, fine-tune
// AutoModelForSequenceClassification, print "***** train metrics *****" / "***** eval metrics *****"
// blocks, write train_results.json / eval_results.json / all_results.json and the model folder.

/** GLUE tasks and their text columns (as run_glue's task_to_keys). */
const TASK_TO_KEYS: Record<string, [string, string | undefined]> = {
  cola: ['sentence', undefined],
  mnli: ['premise', 'hypothesis'],
  mrpc: ['sentence1', 'sentence2'],
  qnli: ['question', 'sentence'],
  qqp: ['question1', 'question2'],
  rte: ['sentence1', 'sentence2'],
  sst2: ['sentence', undefined],
  stsb: ['sentence1', 'sentence2'],
  wnli: ['sentence1', 'sentence2'],
};

const USAGE = `usage: transferjs-run-glue --task_name <${Object.keys(TASK_TO_KEYS).join('|')}>
  --model_name_or_path <model folder> --data_dir <GLUE folder> --output_dir <folder>
  [--do_train] [--do_eval] [--max_seq_length 128] [--per_device_train_batch_size 32]
  [--per_device_eval_batch_size 8] [--learning_rate 2e-5] [--num_train_epochs 3] [--max_steps N]
  [--warmup_ratio 0] [--weight_decay 0] [--seed 42] [--logging_steps 500] [--save_strategy no|steps|epoch]
  [--save_steps 500] [--eval_strategy no|steps|epoch] [--strategy full|feature-extraction|partial]
  [--trainable_layers 2] [--max_train_samples N] [--max_eval_samples N] [--backend auto|tensorflow|wasm|cpu]`;

function fail(message: string): never {
  throw new TrainerError('INVALID_ARGUMENT', `run_glue: ${message}\n${USAGE}`);
}

/** HF's Trainer.log_metrics block: '***** eval metrics *****' then aligned 'key = value' lines. */
export function formatMetrics(split: string, metrics: Record<string, number>): string {
  const keys = Object.keys(metrics).sort();
  const shown = keys.map((k) => {
    const v = metrics[k] as number;
    if (k.endsWith('_runtime')) {
      const h = Math.floor(v / 3600);
      const m = Math.floor((v % 3600) / 60);
      const s = v % 60;
      return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
    }
    if (k === 'total_flos') return `${Math.round(v / 1e9)}GF`;
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
  });
  const kw = Math.max(...keys.map((k) => k.length));
  const vw = Math.max(...shown.map((v) => v.length));
  const lines = [`***** ${split} metrics *****`];
  keys.forEach((k, i) => {
    lines.push(`  ${k.padEnd(kw)} = ${(shown[i] as string).padStart(vw)}`);
  });
  return lines.join('\n');
}

/** What {@link runGlue} returns (also written as JSON files into output_dir). */
export interface RunGlueResult {
  train?: Record<string, number>;
  eval?: Record<string, number>;
}

/**
 * The run_glue command line (`transferjs-run-glue`), callable from code with its argv.
 *
 * `await runGlue(['--task_name', 'sst2', '--model_name_or_path', './bert', '--data_dir', './glue',
 *   '--output_dir', 'out', '--do_train', '--do_eval'])` -> { train: {...}, eval: { eval_accuracy, ... } }
 */
export async function runGlue(
  argv: readonly string[],
  options: { print?: (line: string) => void } = {},
): Promise<RunGlueResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (argv.includes('--help') || argv.includes('-h')) {
    print(USAGE);
    return {};
  }
  let parsed: ReturnType<typeof parseArgs>;
  const str = { type: 'string' } as const;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        task_name: str,
        model_name_or_path: str,
        data_dir: str,
        output_dir: str,
        do_train: { type: 'boolean' },
        do_eval: { type: 'boolean' },
        max_seq_length: str,
        per_device_train_batch_size: str,
        per_device_eval_batch_size: str,
        learning_rate: str,
        num_train_epochs: str,
        max_steps: str,
        warmup_ratio: str,
        weight_decay: str,
        seed: str,
        logging_steps: str,
        save_strategy: str,
        save_steps: str,
        eval_strategy: str,
        strategy: str,
        trainable_layers: str,
        max_train_samples: str,
        max_eval_samples: str,
        backend: str,
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const need = (k: string): string => {
    const x = v[k];
    if (typeof x !== 'string' || x === '') fail(`--${k} is required`);
    return x;
  };
  const int = (k: string): number | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1)
      fail(`--${k} expects a positive integer, found '${String(x)}'`);
    return n;
  };
  const float = (k: string): number | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    const n = Number(x);
    if (!Number.isFinite(n)) fail(`--${k} expects a number, found '${String(x)}'`);
    return n;
  };
  const task = need('task_name').toLowerCase();
  const keys = TASK_TO_KEYS[task];
  if (!keys)
    fail(`unknown --task_name '${task}' (supported: ${Object.keys(TASK_TO_KEYS).join(', ')})`);
  const modelDir = need('model_name_or_path');
  const dataDir = need('data_dir');
  const outputDir = need('output_dir');
  const doTrain = v.do_train === true;
  const doEval = v.do_eval === true;
  if (!doTrain && !doEval) fail('nothing to do: pass --do_train and/or --do_eval');
  const maxSeqLength = int('max_seq_length') ?? 128;
  const strategy = (v.strategy as string | undefined) ?? 'full';

  // Validate the training arguments before loading anything heavy.
  const init: TrainingArgumentsInit = { outputDir };
  const setIf = <K extends keyof TrainingArgumentsInit>(
    k: K,
    value: TrainingArgumentsInit[K] | undefined,
  ) => {
    if (value !== undefined) init[k] = value;
  };
  setIf('perDeviceTrainBatchSize', int('per_device_train_batch_size'));
  setIf('perDeviceEvalBatchSize', int('per_device_eval_batch_size'));
  setIf('learningRate', float('learning_rate'));
  setIf('numTrainEpochs', float('num_train_epochs'));
  setIf('maxSteps', int('max_steps'));
  setIf('warmupRatio', float('warmup_ratio'));
  setIf('weightDecay', float('weight_decay'));
  setIf('seed', float('seed'));
  setIf('loggingSteps', int('logging_steps'));
  setIf('saveSteps', int('save_steps'));
  setIf('saveStrategy', v.save_strategy as TrainingArgumentsInit['saveStrategy']);
  setIf('evalStrategy', v.eval_strategy as TrainingArgumentsInit['evalStrategy']);
  const args = new TrainingArguments(init);

  // 1. backend, data, tokenizer, model
  const { useBackend, AutoTokenizer, AutoModelForSequenceClassification } = await import(
    '@transferjs/transformers'
  );
  const { loadGlue, glueMetric } = await import('@transferjs/datasets');
  const backend = await useBackend((v.backend as 'auto' | undefined) ?? 'auto');
  print(`backend: ${backend.name} (${backend.reason})`);
  const splits = ['train', task === 'mnli' ? 'validation_matched' : 'validation'];
  const glue = await loadGlue(task as Parameters<typeof loadGlue>[0], { dataDir, splits });
  const trainSplit = glue.get('train');
  const evalSplit = glue.get(splits[1] as string);
  const labelFeature = trainSplit.features.label as { names?: string[] } | undefined;
  const isRegression = task === 'stsb';
  const labelNames = labelFeature?.names ?? [];
  const numLabels = isRegression ? 1 : labelNames.length;
  if (!isRegression && numLabels < 2) {
    throw new TrainerError(
      'LABEL_MISMATCH',
      `run_glue: ${task}'s label feature has no class names`,
    );
  }
  const tokenizer = await AutoTokenizer.fromPretrained(modelDir);
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  labelNames.forEach((name, i) => {
    id2label[String(i)] = name;
    label2id[name] = i;
  });
  const model = await AutoModelForSequenceClassification.fromPretrained(modelDir, {
    configOverrides: {
      num_labels: numLabels,
      finetuning_task: task,
      ...(isRegression ? { problem_type: 'regression' } : { id2label, label2id }),
    },
  });

  // 2. tokenize (no padding stored: the collator pads each batch)
  const [key1, key2] = keys;
  const tokenize = async (ds: typeof trainSplit, limit: number | undefined) => {
    const n = Math.min(ds.numRows, limit ?? ds.numRows);
    const rows: {
      input_ids: number[];
      token_type_ids: number[];
      attention_mask: number[];
      label: number;
    }[] = [];
    const chunk = 512;
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const batch = ds.getBatch(s, e);
      const first = batch[key1] as string[];
      const second = key2 ? (batch[key2] as string[]) : undefined;
      const enc = await tokenizer.encode(first, {
        ...(second ? { pairs: second } : {}),
        truncation: true,
        maxLength: maxSeqLength,
      });
      enc.inputIds.dispose();
      enc.attentionMask.dispose();
      enc.tokenTypeIds.dispose();
      const labels = batch.label as number[];
      enc.encodings.forEach((x, i) => {
        rows.push({
          input_ids: Array.from(x.ids),
          token_type_ids: Array.from(x.typeIds),
          attention_mask: Array.from(x.attentionMask),
          label: labels[i] as number,
        });
      });
    }
    return rows;
  };
  const trainRows = doTrain ? await tokenize(trainSplit, int('max_train_samples')) : [];
  const evalRows = doEval ? await tokenize(evalSplit, int('max_eval_samples')) : [];
  if (doEval && evalRows.some((r) => r.label < 0 && !isRegression)) {
    throw new TrainerError(
      'LABEL_MISMATCH',
      `run_glue: the ${splits[1]} split has unlabelled rows (-1); evaluate on a labelled split`,
    );
  }
  const metric = glueMetric(task as Parameters<typeof glueMetric>[0]);
  const computeMetrics = ({ predictions, labelIds }: EvalPrediction): Record<string, number> => {
    const [n, c] = predictions.shape as [number, number];
    const preds: number[] = [];
    for (let i = 0; i < n; i++) {
      if (isRegression) {
        preds.push(predictions.data[i * c] as number);
        continue;
      }
      let best = 0;
      for (let j = 1; j < c; j++)
        if ((predictions.data[i * c + j] as number) > (predictions.data[i * c + best] as number))
          best = j;
      preds.push(best);
    }
    const scores = metric.compute({
      predictions: preds,
      references: Array.from(labelIds?.data ?? []),
    });
    const out: Record<string, number> = {};
    for (const [k, val] of Object.entries(scores)) if (typeof val === 'number') out[k] = val;
    return out;
  };

  const trainer = new Trainer({
    model,
    args,
    trainDataset: doTrain ? trainRows : undefined,
    evalDataset: doEval ? evalRows : undefined,
    tokenizer,
    computeMetrics,
    strategy: strategy as FineTuningStrategy,
    trainableLayers: int('trainable_layers'),
  });
  const result: RunGlueResult = {};
  await mkdir(outputDir, { recursive: true });
  try {
    if (doTrain) {
      const out = await trainer.train();
      await trainer.saveModel(outputDir);
      const metrics = {
        ...out.metrics,
        epoch: trainer.state.epoch,
        train_samples: trainRows.length,
      };
      print(formatMetrics('train', metrics));
      await writeFileAtomic(
        join(outputDir, 'train_results.json'),
        `${JSON.stringify(metrics, null, 4)}\n`,
      );
      result.train = metrics;
    }
    if (doEval) {
      const metrics = {
        ...(await trainer.evaluate()),
        epoch: trainer.state.epoch,
        eval_samples: evalRows.length,
      };
      print(formatMetrics('eval', metrics));
      await writeFileAtomic(
        join(outputDir, 'eval_results.json'),
        `${JSON.stringify(metrics, null, 4)}\n`,
      );
      result.eval = metrics;
    }
    await writeFileAtomic(
      join(outputDir, 'all_results.json'),
      `${JSON.stringify({ ...(result.train ?? {}), ...(result.eval ?? {}) }, null, 4)}\n`,
    );
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return result;
}
