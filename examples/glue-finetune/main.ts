// Fine-tune a BERT on any GLUE task from a GLUE data folder and score it with the task's metric.
//
// `--data <dir>`: a GLUE distribution folder (CoLA/, SST-2/, MRPC/, ... with train.tsv, dev.tsv)
// or HF parquet files; default: the repository's fixtures/glue/glue_data, GLUE-format folders
// of a few real sentences each (enough to run, not to learn: point --data at the real GLUE
// download for real scores). `--task <name>`: cola, sst2, mrpc, qqp, stsb (regression), mnli,
// qnli, rte, wnli. `--model <dir>`: any HF BERT folder, by default the demo's pre-trained one.
//
//   pnpm --filter @transferjs/example-glue-finetune start -- --task mrpc --data ~/glue_data
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Dataset,
  GLUE_TASKS,
  type GlueTask,
  glueMetric,
  loadGlue,
} from '@transferjs/datasets';
import { argmax, parseCli, resolveBertFolder } from '@transferjs/example-common';
import { type EvalPrediction, Trainer } from '@transferjs/trainer';
import { AutoTokenizer, BertForSequenceClassification, useBackend } from '@transferjs/transformers';

// Typed defaults.
interface Options {
  task: GlueTask;
  epochs: number;
  batchSize: number;
  /** 1e-4 suits small BERTs; 2e-5 .. 5e-5 base-sized ones. */
  learningRate: number;
  maxLength: number;
}
const DEFAULTS: Options = {
  task: 'sst2',
  epochs: 3,
  batchSize: 32,
  learningRate: 1e-4,
  maxLength: 128,
};
const SMOKE: Options = { ...DEFAULTS, task: 'mrpc', epochs: 1, batchSize: 4, maxLength: 64 };

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseCli(here, DEFAULTS, SMOKE);
const task = (cli.flag('task') ?? cli.options.task) as GlueTask;
const opts = { ...cli.options, task };
const spec = GLUE_TASKS[task];
if (!spec) {
  throw new Error(
    `--task ${task}: unknown GLUE task (supported: ${Object.keys(GLUE_TASKS).join(', ')})`,
  );
}
const dataDir = resolve(
  cli.flag('data') ?? join(here, '..', '..', 'fixtures', 'glue', 'glue_data'),
);
const backend = await useBackend();
const modelDir = await resolveBertFolder(cli, resolve(here, '..'));
console.log(`backend: ${backend.name}; task ${task} from ${dataDir}; model ${modelDir}`);

// 1. The task as HF's DatasetDict: its splits, text columns and ClassLabel (or float) labels.
const evalSplit = task === 'mnli' ? 'validation_matched' : 'validation';
const glue = await loadGlue(task, { dataDir, splits: ['train', evalSplit] });
const textColumns = Object.keys(spec.text); // e.g. ['sentence1', 'sentence2']
const regression = spec.classes === undefined;
const numLabels = regression ? 1 : (spec.classes?.length ?? 2);

// 2. Tokenize one sentence or a pair per row: [CLS] a [SEP] (b [SEP]), truncated.
const tok = await AutoTokenizer.fromPretrained(modelDir);
async function encode(
  ds: Dataset,
): Promise<{ input_ids: number[]; token_type_ids: number[]; label: number }[]> {
  const first = ds.column(textColumns[0] as string) as string[];
  const second = textColumns[1] ? (ds.column(textColumns[1]) as string[]) : undefined;
  const labels = ds.column('label') as number[];
  tok.tokenizer.setTruncation({ maxLength: opts.maxLength });
  try {
    const enc = await tok.tokenizer.encodeBatch(first, second ? { pairs: second } : {});
    return enc.map((e, i) => ({
      input_ids: e.ids,
      token_type_ids: e.typeIds,
      label: labels[i] as number,
    }));
  } finally {
    tok.tokenizer.setTruncation(null);
  }
}
const trainRows = await encode(glue.get('train'));
const evalRows = await encode(glue.get(evalSplit));
console.log(
  `${trainRows.length} train / ${evalRows.length} ${evalSplit} rows; columns ${textColumns.join(', ')}; ${regression ? 'regression' : `labels ${spec.classes?.join(', ')}`}`,
);

// 3. GLUE's metric for the task (accuracy, F1, Matthews, Pearson / Spearman).
const metric = glueMetric(task);
function computeMetrics({ predictions, labelIds }: EvalPrediction): Record<string, number> {
  const [n, c] = predictions.shape as [number, number];
  const preds = regression ? predictions.data : argmax(predictions.data, n, c);
  const scores = metric.compute({ predictions: preds, references: labelIds?.data ?? [] });
  return Object.fromEntries(
    Object.entries(scores).filter(([, v]) => typeof v === 'number'),
  ) as Record<string, number>;
}

// 4. Fine-tune and evaluate.
const model = await BertForSequenceClassification.fromPretrained(modelDir, {
  configOverrides: {
    num_labels: numLabels,
    ...(regression ? { problem_type: 'regression' } : {}),
    ...(spec.classes
      ? {
          id2label: Object.fromEntries(spec.classes.map((c, i) => [i, c])),
          label2id: Object.fromEntries(spec.classes.map((c, i) => [c, i])),
        }
      : {}),
  },
  onWarning: () => undefined, // the new head
});
const trainer = new Trainer({
  model,
  tokenizer: tok,
  args: {
    outputDir: join(cli.outDir, task),
    numTrainEpochs: opts.epochs,
    perDeviceTrainBatchSize: opts.batchSize,
    perDeviceEvalBatchSize: 64,
    learningRate: opts.learningRate,
    warmupRatio: 0.1,
    weightDecay: 0.01,
    saveStrategy: 'no',
    logLevel: 'warning',
  },
  trainDataset: trainRows,
  evalDataset: evalRows,
  computeMetrics,
});
await trainer.train();
const scores = await trainer.evaluate();
console.log(
  `${task} ${evalSplit}: ${Object.entries(scores)
    .filter(([k]) => !/runtime|per_second/.test(k))
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ')}`,
);
await trainer.saveModel(join(cli.outDir, task, 'model'));
console.log(`saved ${join(cli.outDir, task, 'model')}`);
trainer.dispose();
model.dispose();
