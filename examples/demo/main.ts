// The main job (`npm run demo`): transfer learning end to end, offline, in minutes.
//
//   1. train a WordPiece tokenizer on real text (Moby Dick + the training reviews);
//   2. pre-train a small BERT with masked LM + next-sentence prediction on that text;
//   3. fine-tune it on the UCI sentiment sentences three ways (full, partial, feature extraction)
//      and train the same architecture from random weights on the same sentences;
//   4. print what pre-training buys (held-out accuracy, F1, wall time, trainable parameters),
//      write an HF-compatible model folder and draw the curves (curves.html).
//
// Run: `npm run demo` at the repository root, or `pnpm --filter @transferjs/example-demo start`;
// `--smoke` (or TRANSFERJS_SMOKE=1) runs the same steps with tiny sizes in seconds;
// `--out <dir>` chooses the output folder (default ./out);
// TRANSFERJS_EXAMPLE_OPTIONS='{"pretrain":{"steps":600}}' overrides any default below.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Dataset } from '@transferjs/datasets';
import {
  binaryMetrics,
  type Chart,
  formatCount,
  htmlPage,
  type LabelledSentence,
  markdownTable,
  mobyDickDocuments,
  parseCli,
  permutation,
  uciSentences,
} from '@transferjs/example-common';
import { Tokenizer, trainTokenizer } from '@transferjs/tokenizers-native';
import {
  createNextSentencePredictionExamples,
  DataCollatorForLanguageModeling,
  type Features,
  type FineTuningStrategy,
  Trainer,
} from '@transferjs/trainer';
import {
  BertConfig,
  BertForPreTraining,
  BertForSequenceClassification,
  PreTrainedTokenizer,
  useBackend,
} from '@transferjs/transformers';

// ---------------------------------------------------------------------------------------------
// Typed defaults.
// ---------------------------------------------------------------------------------------------

/** Everything the demo can be told; DEFAULTS is the full run, SMOKE the seconds-long check. */
export interface DemoOptions {
  /** WordPiece vocabulary size, the five BERT special tokens included. */
  vocabSize: number;
  /** The BERT (HF config.json field names). */
  model: {
    hidden_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    intermediate_size: number;
    max_position_embeddings: number;
  };
  pretrain: {
    /** Optimizer steps of MLM + NSP. */
    steps: number;
    batchSize: number;
    /** Longest [CLS] A [SEP] B [SEP] pair, in tokens. */
    blockSize: number;
    learningRate: number;
    /**
     * The training reviews are in-domain but few (2,400 one-liners vs 9,000 Moby Dick
     * sentences): they enter the pre-training documents this many times, regrouped each time.
     */
    reviewRepeats: number;
  };
  finetune: {
    epochs: number;
    batchSize: number;
    /** Longest sentence, [CLS] and [SEP] included (longer ones are truncated). */
    maxLength: number;
    /** Learning rate of each run (feature extraction trains a fresh head only: it wants more). */
    learningRate: { full: number; partial: number; 'feature-extraction': number; scratch: number };
    /** 'partial': encoder layers that train (the top ones), with the pooler and the head. */
    trainableLayers: number;
  };
  /** Held-out share of the 3,000 labelled sentences (stratified by label). */
  testSize: number;
  /** Use at most this many labelled sentences (all 3,000 in the full run). */
  maxSentences: number;
  /** Use at most this many Moby Dick chapters (all 135 + extracts in the full run). */
  maxChapters: number;
  seed: number;
}

export const DEFAULTS: DemoOptions = {
  vocabSize: 4000,
  model: {
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 512,
    max_position_embeddings: 128,
  },
  pretrain: { steps: 800, batchSize: 32, blockSize: 48, learningRate: 1e-3, reviewRepeats: 4 },
  finetune: {
    epochs: 4,
    batchSize: 32,
    maxLength: 64,
    learningRate: { full: 5e-4, partial: 5e-4, 'feature-extraction': 5e-3, scratch: 5e-4 },
    trainableLayers: 1,
  },
  testSize: 0.2,
  maxSentences: 3000,
  maxChapters: Number.POSITIVE_INFINITY,
  seed: 42,
};

export const SMOKE: DemoOptions = {
  vocabSize: 600,
  model: {
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 64,
    max_position_embeddings: 64,
  },
  pretrain: { steps: 6, batchSize: 16, blockSize: 48, learningRate: 1e-3, reviewRepeats: 1 },
  finetune: {
    epochs: 1,
    batchSize: 32,
    maxLength: 48,
    learningRate: { full: 1e-3, partial: 1e-3, 'feature-extraction': 1e-2, scratch: 1e-3 },
    trainableLayers: 1,
  },
  testSize: 0.25,
  maxSentences: 400,
  maxChapters: 8,
  seed: 42,
};

// ---------------------------------------------------------------------------------------------

// TensorFlow's C library logs its set-up (oneDNN, CPU features) to stderr when it loads, inside
// useBackend(): keep errors only unless the user asked otherwise.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';

const here = dirname(fileURLToPath(import.meta.url));
const { smoke, outDir, options: opts } = parseCli(here, DEFAULTS, SMOKE);

const started = performance.now();
const secondsSince = (t: number): number => (performance.now() - t) / 1000;
const step = (title: string): void =>
  console.log(`\n[${secondsSince(started).toFixed(0).padStart(4)} s] ${title}`);

/** One fine-tuning run of the comparison. */
interface Run {
  key: string;
  label: string;
  init: 'pre-trained' | 'random';
  strategy: FineTuningStrategy;
  learningRate: number;
}

/** What a run measured. */
interface RunResult {
  run: Run;
  accuracy: number;
  f1: number;
  seconds: number;
  trainable: number;
  total: number;
  /** (step, training loss) */
  loss: [number, number][];
  /** (epoch, held-out accuracy) */
  accuracyCurve: [number, number][];
}

async function main(): Promise<void> {
  console.log(`@transferjs demo${smoke ? ' (smoke mode: tiny sizes, numbers mean nothing)' : ''}`);
  const backend = await useBackend();
  console.log(`backend: ${backend.name} (${backend.reason})`);
  if (!smoke && backend.name !== 'tensorflow' && backend.name !== 'tensorflow-gpu') {
    console.log(
      'warning: without the tensorflow backend the full run takes hours; `pnpm setup:tensorflow` sets it up (docs/backends.md)',
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  // 1. Data. A stratified, seeded split of the labelled sentences; the test sentences are never
  //    seen by the tokenizer, by pre-training or by fine-tuning.
  step('1. data');
  const all = uciSentences();
  const picked = permutation(all.length, opts.seed)
    .slice(0, Math.min(opts.maxSentences, all.length))
    .map((i) => all[i] as LabelledSentence);
  const split = Dataset.fromRecords(picked.map((s) => ({ ...s }))).trainTestSplit({
    testSize: opts.testSize,
    seed: opts.seed,
    stratifyByColumn: 'label',
  });
  const rowsOf = (d: Dataset): LabelledSentence[] =>
    Array.from({ length: d.numRows }, (_, i) => d.get(i) as unknown as LabelledSentence);
  const train = rowsOf(split.train);
  const test = rowsOf(split.test);
  const chapters = mobyDickDocuments().slice(0, opts.maxChapters);
  const mobySentences = chapters.reduce((s, d) => s + d.length, 0);
  console.log(
    `labelled: ${train.length} train / ${test.length} test sentences (UCI: Amazon, IMDB, Yelp reviews)`,
  );
  console.log(
    `unlabelled: Moby Dick, ${chapters.length} chapters, ${mobySentences} sentences, + the ${train.length} training reviews without labels`,
  );

  // 2. Tokenizer: WordPiece trained on the unlabelled text.
  step('2. train a WordPiece tokenizer');
  let t0 = performance.now();
  const corpus = [...chapters.flat(), ...train.map((s) => s.text)];
  const trained = await trainTokenizer({
    model: 'wordpiece',
    vocabSize: opts.vocabSize,
    iterator: corpus,
  });
  const tokenizer = Tokenizer.fromJson(trained.json);
  const id = (token: string): number => {
    const v = tokenizer.tokenToId(token);
    if (v === null) throw new Error(`the trained vocabulary has no ${token}`);
    return v;
  };
  const [PAD, UNK, CLS, SEP, MASK] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(id) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const vocabSize = tokenizer.vocabSize({ withAddedTokens: true });
  const pretrainedTokenizer = new PreTrainedTokenizer(tokenizer, {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: opts.model.max_position_embeddings,
  });
  const sample = tokenizer.encode(train[0]?.text ?? 'A great movie.');
  console.log(
    `vocab ${vocabSize} from ${trained.words} distinct words in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `e.g. ${sample.tokens.join(' ')}`,
  );

  // 3. Pre-training: MLM (15 % whole-word masking) + NSP pairs from the documents.
  step('3. pre-train a BERT with masked LM + next-sentence prediction');
  t0 = performance.now();
  const tokenize = async (texts: readonly string[]): Promise<number[][]> =>
    (await tokenizer.encodeBatch(texts, { addSpecialTokens: false })).map((e) => e.ids);
  const documents: number[][][] = [];
  for (const chapter of chapters) documents.push(await tokenize(chapter));
  // The reviews are independent one-liners: 10 of one source make a "document" (NSP then learns
  // source/topic coherence from them; MLM learns the review vocabulary).
  for (let r = 0; r < opts.pretrain.reviewRepeats; r++) {
    for (const source of ['amazon', 'imdb', 'yelp']) {
      const ofSource = train.filter((s) => s.source === source);
      const texts = permutation(ofSource.length, opts.seed + r).map(
        (i) => (ofSource[i] as LabelledSentence).text,
      );
      for (let i = 0; i < texts.length; i += 10)
        documents.push(await tokenize(texts.slice(i, i + 10)));
    }
  }
  const pairs = createNextSentencePredictionExamples(documents, {
    blockSize: opts.pretrain.blockSize,
    clsTokenId: CLS,
    sepTokenId: SEP,
    seed: opts.seed,
  });
  const continuation = new Uint8Array(vocabSize);
  for (const [token, i] of Object.entries(tokenizer.getVocab({ withAddedTokens: true }))) {
    if (token.startsWith('##')) continuation[i] = 1;
  }
  const mlmCollator = new DataCollatorForLanguageModeling({
    padTokenId: PAD,
    maskTokenId: MASK,
    vocabSize,
    specialTokenIds: [PAD, UNK, CLS, SEP, MASK],
    wholeWordMask: true,
    isContinuation: (i) => continuation[i] === 1,
    seed: opts.seed,
  });
  const config = new BertConfig({
    vocab_size: vocabSize,
    ...opts.model,
    type_vocab_size: 2,
    pad_token_id: PAD,
  });
  const preModel = new BertForPreTraining(config);
  const preTrainer = new Trainer({
    model: preModel,
    args: {
      outputDir: join(outDir, 'runs', 'pretrain'),
      maxSteps: opts.pretrain.steps,
      perDeviceTrainBatchSize: opts.pretrain.batchSize,
      learningRate: opts.pretrain.learningRate,
      warmupRatio: 0.06,
      weightDecay: 0.01,
      loggingSteps: Math.max(1, Math.floor(opts.pretrain.steps / 40)),
      saveStrategy: 'no',
      logLevel: 'warning',
      seed: opts.seed,
    },
    trainDataset: pairs,
    dataCollator: mlmCollator,
  });
  const preOut = await preTrainer.train();
  const preLoss = preTrainer.state.logHistory
    .filter((h) => typeof h.loss === 'number')
    .map((h) => [h.step as number, h.loss as number] as [number, number]);
  const preSeconds = secondsSince(t0);
  const pretrainedDir = join(outDir, 'pretrained');
  await preModel.savePretrained(pretrainedDir);
  await saveTokenizerFiles(pretrainedTokenizer, tokenizer, pretrainedDir);
  console.log(
    `${pairs.length} sentence pairs (${pairs.filter((p) => p.next_sentence_label === 1).length} random next), ` +
      `${preOut.globalStep} steps of ${opts.pretrain.batchSize}: loss ${preLoss[0]?.[1].toFixed(2)} -> ${preLoss.at(-1)?.[1].toFixed(2)} in ${preSeconds.toFixed(0)} s; saved ${pretrainedDir}`,
  );
  preTrainer.dispose();
  preModel.dispose();

  // 4. Fine-tuning: the same sentences, four ways.
  step('4. fine-tune on the labelled sentences (and train from scratch)');
  const encodeRows = async (rows: readonly LabelledSentence[]): Promise<Features[]> => {
    tokenizer.setTruncation({ maxLength: opts.finetune.maxLength });
    try {
      const enc = await tokenizer.encodeBatch(rows.map((r) => r.text));
      return enc.map((e, i) => ({ input_ids: e.ids, label: (rows[i] as LabelledSentence).label }));
    } finally {
      tokenizer.setTruncation(null);
    }
  };
  const trainRows = await encodeRows(train);
  const testRows = await encodeRows(test);
  const lr = opts.finetune.learningRate;
  const runs: Run[] = [
    {
      key: 'full',
      label: 'pre-trained, full fine-tuning',
      init: 'pre-trained',
      strategy: 'full',
      learningRate: lr.full,
    },
    {
      key: 'partial',
      label: `pre-trained, partial (top ${opts.finetune.trainableLayers} layers)`,
      init: 'pre-trained',
      strategy: 'partial',
      learningRate: lr.partial,
    },
    {
      key: 'feature-extraction',
      label: 'pre-trained, feature extraction',
      init: 'pre-trained',
      strategy: 'feature-extraction',
      learningRate: lr['feature-extraction'],
    },
    {
      key: 'scratch',
      label: 'random init, full (no pre-training)',
      init: 'random',
      strategy: 'full',
      learningRate: lr.scratch,
    },
  ];
  const labels = {
    id2label: { 0: 'negative', 1: 'positive' },
    label2id: { negative: 0, positive: 1 },
  };
  const results: RunResult[] = [];
  const modelDir = join(outDir, 'model');
  for (const run of runs) {
    t0 = performance.now();
    const model =
      run.init === 'pre-trained'
        ? await BertForSequenceClassification.fromPretrained(pretrainedDir, {
            configOverrides: { num_labels: 2, ...labels },
            // The classifier is new (as in HF): the only keys the pre-trained folder lacks.
            onWarning: () => undefined,
          })
        : new BertForSequenceClassification(
            new BertConfig({ ...config.toDict(), num_labels: 2, ...labels }),
          );
    if (run.init === 'pre-trained') {
      const missing = model.loadingInfo.missingKeys.filter((k) => !k.startsWith('classifier.'));
      if (missing.length > 0) throw new Error(`pre-trained weights missing: ${missing.join(', ')}`);
    }
    const trainer = new Trainer({
      model,
      args: {
        outputDir: join(outDir, 'runs', run.key),
        numTrainEpochs: opts.finetune.epochs,
        perDeviceTrainBatchSize: opts.finetune.batchSize,
        perDeviceEvalBatchSize: 128,
        learningRate: run.learningRate,
        warmupRatio: 0.1,
        weightDecay: 0.01,
        evalStrategy: 'epoch',
        loggingSteps: Math.max(1, Math.floor(trainRows.length / opts.finetune.batchSize / 5)),
        saveStrategy: 'no',
        logLevel: 'warning',
        seed: opts.seed,
      },
      trainDataset: trainRows,
      evalDataset: testRows,
      computeMetrics: binaryMetrics,
      strategy: run.strategy,
      trainableLayers: opts.finetune.trainableLayers,
    });
    await trainer.train();
    const history = trainer.state.logHistory;
    const evals = history.filter((h) => typeof h.eval_accuracy === 'number');
    const last = evals.at(-1);
    const result: RunResult = {
      run,
      accuracy: last?.eval_accuracy as number,
      f1: last?.eval_f1 as number,
      seconds: secondsSince(t0),
      trainable: trainer.numTrainableParameters(),
      total: trainer.numParameters(),
      loss: history
        .filter((h) => typeof h.loss === 'number')
        .map((h) => [h.step as number, h.loss as number]),
      accuracyCurve: evals.map((h) => [h.epoch as number, h.eval_accuracy as number]),
    };
    results.push(result);
    console.log(
      `${run.label.padEnd(42)} accuracy ${result.accuracy.toFixed(3)}  F1 ${result.f1.toFixed(3)}  ${result.seconds.toFixed(0)} s`,
    );
    trainer.dispose();
    if (run.key === 'full') {
      // The model users keep: HF-loadable folder + the logits HF Python must reproduce.
      await model.savePretrained(modelDir);
      await saveTokenizerFiles(pretrainedTokenizer, tokenizer, modelDir);
      await writeParityCheck(
        model,
        pretrainedTokenizer,
        test.slice(0, 8).map((s) => s.text),
        modelDir,
      );
    }
    model.dispose();
  }

  // 5. Report.
  step('5. results');
  const table = formatTable(results, test.length);
  const totalSeconds = secondsSince(started);
  // CPU seconds of this process (all its threads): with a busy machine, wall time says little.
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load = loadavg()[1] as number;
  const summary = [
    `backend ${backend.name}; BERT L${opts.model.num_hidden_layers}/H${opts.model.hidden_size} (vocab ${vocabSize}); ` +
      `pre-training ${opts.pretrain.steps} steps x ${opts.pretrain.batchSize} pairs in ${preSeconds.toFixed(0)} s; ` +
      `fine-tuning ${opts.finetune.epochs} epochs on ${train.length} sentences`,
    '',
    table,
    '',
    `total ${totalSeconds.toFixed(0)} s wall, ${cpuSeconds.toFixed(0)} s CPU (load average ${load.toFixed(1)})`,
  ].join('\n');
  console.log(table);
  const charts: Chart[] = [
    {
      title: 'Pre-training loss (MLM + NSP)',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'MLM + NSP', points: preLoss }],
    },
    {
      title: 'Fine-tuning: training loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: results.map((r) => ({ name: r.run.key, points: r.loss })),
    },
    {
      title: `Fine-tuning: held-out accuracy (${test.length} sentences)`,
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: results.map((r) => ({ name: r.run.key, points: r.accuracyCurve })),
    },
  ];
  writeFileSync(
    join(outDir, 'curves.html'),
    htmlPage('@transferjs demo: what pre-training buys', summary, charts),
  );
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify(
      {
        smoke,
        backend: backend.name,
        options: {
          ...opts,
          maxChapters: Number.isFinite(opts.maxChapters) ? opts.maxChapters : null,
        },
        data: {
          train: train.length,
          test: test.length,
          chapters: chapters.length,
          pairs: pairs.length,
          vocabSize,
        },
        pretrain: { seconds: preSeconds, loss: preLoss },
        runs: results.map((r) => ({
          key: r.run.key,
          label: r.run.label,
          learningRate: r.run.learningRate,
          accuracy: r.accuracy,
          f1: r.f1,
          seconds: r.seconds,
          trainableParameters: r.trainable,
          parameters: r.total,
          accuracyCurve: r.accuracyCurve,
        })),
        totalSeconds,
        cpuSeconds,
        loadAverage5min: load,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nmodel folder (HF format): ${modelDir}`);
  console.log(`curves:                   ${join(outDir, 'curves.html')}`);
  console.log(`results:                  ${join(outDir, 'results.json')}`);
  // HF Python is slow to import (~10 s): the smoke run checks with it only when asked.
  if (!smoke || process.env.TRANSFERJS_VERIFY_HF === '1') verifyWithPython(modelDir);
  console.log(
    `\ntotal ${totalSeconds.toFixed(0)} s wall, ${cpuSeconds.toFixed(0)} s CPU (load average ${load.toFixed(1)} on ${availableParallelism()} cores)`,
  );
}

/** tokenizer.json + tokenizer_config.json (PreTrainedTokenizer) and vocab.txt (id order). */
async function saveTokenizerFiles(
  pre: PreTrainedTokenizer,
  tok: Tokenizer,
  dir: string,
): Promise<void> {
  await pre.savePretrained(dir);
  const vocab = tok.getVocab({ withAddedTokens: true });
  const byId: string[] = [];
  for (const [token, i] of Object.entries(vocab)) byId[i] = token;
  writeFileSync(join(dir, 'vocab.txt'), `${byId.join('\n')}\n`);
}

/** Our tokenization and logits of a few sentences, for verify_hf.py to compare with HF Python. */
async function writeParityCheck(
  model: BertForSequenceClassification,
  tok: PreTrainedTokenizer,
  texts: string[],
  dir: string,
): Promise<void> {
  const batch = await tok.encode(texts);
  const out = model.forward({
    inputIds: batch.inputIds,
    attentionMask: batch.attentionMask,
    tokenTypeIds: batch.tokenTypeIds,
  });
  const check = {
    texts,
    input_ids: batch.encodings.map((e) => e.ids),
    logits: (await (out.logits as tf.Tensor).array()) as number[][],
  };
  tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds, out.logits]);
  writeFileSync(join(dir, '..', 'hf_check.json'), `${JSON.stringify(check, null, 1)}\n`);
}

/** Runs verify_hf.py when python3 with transformers + torch is there; says how otherwise. */
function verifyWithPython(modelDir: string): void {
  const script = join(here, 'verify_hf.py');
  try {
    execFileSync('python3', ['-c', 'import transformers, torch'], { stdio: 'ignore' });
  } catch {
    console.log(
      `HF Python check skipped (no python3 with transformers + torch): python3 ${script} ${modelDir}`,
    );
    return;
  }
  try {
    const out = execFileSync('python3', [script, modelDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.stdout.write(`HF Python check: ${out}`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`HF Python check failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

function formatTable(results: readonly RunResult[], testCount: number): string {
  return markdownTable(
    ['strategy', `accuracy (${testCount})`, 'F1', 'wall time', 'trainable params'],
    results.map((r) => [
      r.run.label,
      r.accuracy.toFixed(3),
      r.f1.toFixed(3),
      `${r.seconds.toFixed(0)} s`,
      `${formatCount(r.trainable)} of ${formatCount(r.total)}`,
    ]),
  );
}

await main();
