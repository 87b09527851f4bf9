#!/usr/bin/env node
/**
 * `transferjs-tokenizers`: train a tokenizer from text files and write its tokenizer.json.
 *
 *   transferjs-tokenizers train --model wordpiece --vocab-size 30522 --files a.txt b.txt --out dir
 *
 * Exit codes: 0 done, 1 training failed (unreadable file, bad corpus, ...), 2 bad command line.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  TokenizerError,
  type TrainerModel,
  type TrainOptions,
  type TrainProgress,
  trainTokenizer,
} from './index.js';

const HELP = `Usage: transferjs-tokenizers train --model <bpe|wordpiece|unigram|wordlevel> --vocab-size <N>
                                   --files <file>... --out <dir> [options]

Trains a tokenizer on UTF-8 text files (one sequence per line) and writes <dir>/tokenizer.json
in HF's format (loadable by @transferjs/tokenizers-native and HF tokenizers).

Families:
  wordpiece   BERT: BertNormalizer, BertPreTokenizer, [CLS]/[SEP] template, WordPiece decoder
  bpe         GPT-2/RoBERTa byte-level BPE (--no-byte-level: character-level with BERT splitting)
  unigram     ALBERT/T5: Metaspace + Unigram (SentencePiece's EM and pruning)
  wordlevel   one id per word

Options:
  --model <name>              model family (required)
  --vocab-size <N>            vocabulary size, special tokens included (required)
  --files <file>...           training files (required)
  --out <dir>                 output folder, created if missing (required)
  --min-frequency <N>         ignore pairs / words seen fewer times (default 0)
  --special-tokens <a,b,...>  special tokens, first ids (default: the family's)
  --limit-alphabet <N>        keep only the N most frequent chars
  --continuing-subword-prefix <s>   e.g. ##
  --end-of-word-suffix <s>    e.g. </w>
  --max-token-length <N>      BPE: longest token in chars
  --no-byte-level             BPE: character-level instead of byte-level
  --add-prefix-space          byte-level BPE: prepend a space (RoBERTa)
  --criterion <c>             WordPiece: frequency (HF, default) or likelihood
  --no-lowercase              BERT normalizer: keep case and accents
  --unk-token <s>             unknown token
  --shrinking-factor <f>      Unigram (default 0.75)
  --max-piece-length <N>      Unigram (default 16)
  --byte-fallback             Unigram: add <0x00>..<0xFF> pieces
  --quiet                     no progress output
  -h, --help                  this help
`;

class UsageError extends Error {}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name}: expected a non-negative integer, found '${v}'`);
  return n;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, found '${v}'`);
  return n;
}

const MODELS: readonly TrainerModel[] = ['bpe', 'wordpiece', 'unigram', 'wordlevel'];

function parse(argv: string[]): { options: TrainOptions; out: string; quiet: boolean } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      'vocab-size': { type: 'string' },
      files: { type: 'string', multiple: true },
      out: { type: 'string' },
      'min-frequency': { type: 'string' },
      'special-tokens': { type: 'string' },
      'limit-alphabet': { type: 'string' },
      'continuing-subword-prefix': { type: 'string' },
      'end-of-word-suffix': { type: 'string' },
      'max-token-length': { type: 'string' },
      'no-byte-level': { type: 'boolean' },
      'add-prefix-space': { type: 'boolean' },
      criterion: { type: 'string' },
      'no-lowercase': { type: 'boolean' },
      'unk-token': { type: 'string' },
      'shrinking-factor': { type: 'string' },
      'max-piece-length': { type: 'string' },
      'byte-fallback': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (command !== 'train') {
    throw new UsageError(
      command === undefined
        ? 'missing command: expected "train"'
        : `unknown command '${command}': expected "train"`,
    );
  }
  // `--files a b c`: parseArgs leaves b and c as positionals.
  const files = [...(values.files ?? []), ...rest];
  const model = values.model;
  if (model === undefined)
    throw new UsageError('--model is required (bpe, wordpiece, unigram, wordlevel)');
  if (!MODELS.includes(model as TrainerModel)) {
    throw new UsageError(`--model: unknown model '${model}' (supported: ${MODELS.join(', ')})`);
  }
  const vocabSize = int('vocab-size', values['vocab-size']);
  if (vocabSize === undefined) throw new UsageError('--vocab-size is required');
  if (files.length === 0) throw new UsageError('--files is required: at least one text file');
  if (values.out === undefined) throw new UsageError('--out is required: the output folder');
  const criterion = values.criterion;
  if (criterion !== undefined && criterion !== 'frequency' && criterion !== 'likelihood') {
    throw new UsageError(`--criterion: expected frequency or likelihood, found '${criterion}'`);
  }
  const options: TrainOptions = {
    model: model as TrainerModel,
    vocabSize,
    files,
    minFrequency: int('min-frequency', values['min-frequency']),
    specialTokens: values['special-tokens']?.split(',').filter((s) => s.length > 0),
    limitAlphabet: int('limit-alphabet', values['limit-alphabet']),
    continuingSubwordPrefix: values['continuing-subword-prefix'],
    endOfWordSuffix: values['end-of-word-suffix'],
    maxTokenLength: int('max-token-length', values['max-token-length']),
    byteLevel: values['no-byte-level'] ? false : undefined,
    addPrefixSpace: values['add-prefix-space'],
    criterion,
    lowercase: values['no-lowercase'] ? false : undefined,
    unkToken: values['unk-token'],
    shrinkingFactor: num('shrinking-factor', values['shrinking-factor']),
    maxPieceLength: int('max-piece-length', values['max-piece-length']),
    byteFallback: values['byte-fallback'],
  };
  return { options, out: values.out, quiet: values.quiet ?? false };
}

/** A one-line progress bar on a TTY; nothing when piped or in CI. */
function progressBar(quiet: boolean): ((p: TrainProgress) => void) | undefined {
  const tty = process.stderr.isTTY === true && !process.env.CI;
  if (quiet || !tty) return undefined;
  return (p) => {
    const width = 30;
    const frac = p.total > 0 ? Math.min(1, p.current / p.total) : 0;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const count =
      p.stage === 'count words'
        ? `${(p.current / 1e6).toFixed(1)}/${(p.total / 1e6).toFixed(1)} MB`
        : `${p.current}/${p.total}`;
    process.stderr.write(`\r${p.stage.padEnd(15)} [${bar}] ${count}\u001b[K`);
  };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { options, out, quiet } = parsed;
  const started = Date.now();
  const onProgress = progressBar(quiet);
  try {
    const trained = await trainTokenizer({ ...options, onProgress });
    const path = join(out, 'tokenizer.json');
    await trained.save(path);
    if (onProgress) process.stderr.write('\n');
    if (!quiet) {
      process.stdout.write(
        `wrote ${path}: ${options.model}, ${trained.vocabSize} tokens, ${trained.words} distinct words from ${trained.sequences} lines in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
    return 0;
  } catch (e) {
    if (onProgress) process.stderr.write('\n');
    if (e instanceof TokenizerError) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
