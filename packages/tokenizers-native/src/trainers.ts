/**
 * Training a tokenizer from a corpus: files and/or (async) iterables of strings in, a complete
 * HF `tokenizer.json` out.
 *
 * ```ts
 * const trained = await trainTokenizer({ model: 'wordpiece', vocabSize: 30522, files: ['a.txt'] });
 * await trained.save('out/tokenizer.json');
 * ```
 *
 * Steps: 1. the words of every line / string are counted on native threads (normalizer and
 * pre-tokenizer of the family); 2. the model is trained on the counts; 3. the result is the
 * `tokenizer.json` text, which `Tokenizer.fromJson` (or HF) loads.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { binding } from './binding.js';
import { native, TokenizerError } from './errors.js';

/** The model families the trainers build. */
export type TrainerModel = 'bpe' | 'wordpiece' | 'unigram' | 'wordlevel';

/** One progress event: `current` of `total` units of `stage` are done. */
export interface TrainProgress {
  /** `count words` (bytes of files), `compute merges`, `seed pieces`, `EM`, `done`. */
  stage: string;
  current: number;
  total: number;
}

/** Options of a training run; names follow HF's trainers (camelCase). */
export interface TrainOptions {
  model: TrainerModel;
  /** Final vocabulary size, special tokens included. */
  vocabSize: number;
  /** Text files, read line by line (each line keeps its newline, as HF). */
  files?: readonly string[];
  /** Strings to train on, e.g. a generator over a huge corpus; read in batches. */
  iterator?: Iterable<string> | AsyncIterable<string>;
  /** Strings per native batch (default 1000). */
  batchSize?: number;
  /** Pairs (BPE, WordPiece) or words (WordLevel) seen fewer times are not used. Default 0. */
  minFrequency?: number;
  /** First ids, in order. Defaults: BERT's five (WordPiece), `<|endoftext|>` (byte-level BPE),
   * `<unk>` (char BPE), `<pad> </s> <unk>` (Unigram), `[UNK]` (WordLevel). */
  specialTokens?: readonly string[];
  /** Keep only this many (most frequent) chars in the alphabet. */
  limitAlphabet?: number;
  /** Chars always in the alphabet. */
  initialAlphabet?: readonly string[];
  /** Prefix of non-initial subwords (`##` for WordPiece). */
  continuingSubwordPrefix?: string;
  /** Suffix of word-final subwords (e.g. `</w>`). */
  endOfWordSuffix?: string;
  /** BPE: longest token, in chars. */
  maxTokenLength?: number;
  /** BPE: byte-level GPT-2/RoBERTa style (default) or character-level. */
  byteLevel?: boolean;
  /** Byte-level BPE: prepend a space to each sequence (RoBERTa). */
  addPrefixSpace?: boolean;
  /** WordPiece: `frequency` (HF's trainer, default) or `likelihood` (freq(ab) / (freq(a) freq(b))). */
  criterion?: 'frequency' | 'likelihood';
  /** BERT normalizer: lowercase and strip accents (default true). */
  lowercase?: boolean;
  unkToken?: string;
  /** Unigram: fraction of pieces kept by each pruning round (default 0.75). */
  shrinkingFactor?: number;
  /** Unigram: EM iterations per round (default 2). */
  nSubIterations?: number;
  /** Unigram: longest piece, in chars (default 16). */
  maxPieceLength?: number;
  /** Unigram: seed pieces kept from the substring search (default 1,000,000). */
  seedSize?: number;
  /** Unigram: add the 256 `<0xNN>` byte pieces. */
  byteFallback?: boolean;
  /** Called with progress events while the run goes on (every `progressIntervalMs`). */
  onProgress?: (progress: TrainProgress) => void;
  /** Polling interval of `onProgress` (default 100 ms). */
  progressIntervalMs?: number;
}

/** Options of `trainTokenizerSync`: only synchronous inputs, no progress callback. */
export type TrainSyncOptions = Omit<
  TrainOptions,
  'iterator' | 'onProgress' | 'progressIntervalMs'
> & {
  iterator?: Iterable<string>;
};

/** A trained tokenizer: its `tokenizer.json` and a few figures. */
export class TrainedTokenizer {
  /** `tokenizer.json` text, exactly HF's format. */
  readonly json: string;
  /** Vocabulary size, special tokens included. */
  readonly vocabSize: number;
  /** Distinct words the corpus produced. */
  readonly words: number;
  /** Lines / strings read. */
  readonly sequences: number;

  /** @internal */
  constructor(data: { json: string; vocabSize: number; words: number; sequences: number }) {
    this.json = data.json;
    this.vocabSize = data.vocabSize;
    this.words = data.words;
    this.sequences = data.sequences;
  }

  /** Writes `tokenizer.json` atomically (temp file, fsync, rename); creates the folder. */
  async save(path: string): Promise<void> {
    const tmp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
    try {
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(this.json, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw new TokenizerError(
        'FILE_NOT_WRITABLE',
        `${path}: cannot write tokenizer.json: ${String(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** As `save`, blocking. */
  saveSync(path: string): void {
    const tmp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, this.json);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean
      }
      throw new TokenizerError(
        'FILE_NOT_WRITABLE',
        `${path}: cannot write tokenizer.json: ${String(e)}`,
        {
          cause: e,
        },
      );
    }
  }
}

const NATIVE_KEYS = [
  'model',
  'vocabSize',
  'minFrequency',
  'specialTokens',
  'limitAlphabet',
  'initialAlphabet',
  'continuingSubwordPrefix',
  'endOfWordSuffix',
  'maxTokenLength',
  'byteLevel',
  'addPrefixSpace',
  'criterion',
  'lowercase',
  'unkToken',
  'shrinkingFactor',
  'nSubIterations',
  'maxPieceLength',
  'seedSize',
  'byteFallback',
] as const;

function createNative(options: TrainOptions | TrainSyncOptions) {
  const picked: Record<string, unknown> = {};
  for (const k of NATIVE_KEYS) if (options[k] !== undefined) picked[k] = options[k];
  if (!Number.isInteger(options.vocabSize) || options.vocabSize <= 0) {
    throw new TokenizerError(
      'INVALID_CONFIG',
      `vocabSize: expected a positive integer, found ${String(options.vocabSize)}`,
    );
  }
  if (options.files === undefined && options.iterator === undefined) {
    throw new TokenizerError(
      'INVALID_CONFIG',
      'files / iterator: expected a corpus, found neither; pass files: [...] or iterator',
    );
  }
  return native(() => binding.NativeTrainer.create(JSON.stringify(picked)));
}

function batchSizeOf(options: { batchSize?: number }): number {
  const n = options.batchSize ?? 1000;
  if (!Number.isInteger(n) || n <= 0) {
    throw new TokenizerError(
      'INVALID_CONFIG',
      `batchSize: expected a positive integer, found ${String(n)}`,
    );
  }
  return n;
}

function checkItem(item: unknown, index: number): string {
  if (typeof item !== 'string') {
    throw new TokenizerError(
      'INVALID_INPUT',
      `iterator item ${index}: expected a string, found ${item === null ? 'null' : typeof item}`,
    );
  }
  return item;
}

async function nativeAwait<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    // Route through the one converter of native errors.
    return native(() => {
      throw e;
    });
  }
}

/**
 * Trains a tokenizer on native threads.
 *
 * Example: `await trainTokenizer({ model: 'bpe', vocabSize: 50000, files })` -> a
 * `TrainedTokenizer` whose `json` is a GPT-2 style byte-level BPE `tokenizer.json`.
 * Errors: `TokenizerError` with `code` `FILE_NOT_READABLE`, `INVALID_UTF8`, `INVALID_CONFIG`
 * (e.g. empty corpus, vocabSize below specials + alphabet), `INVALID_JSON`, `INVALID_INPUT`.
 */
export async function trainTokenizer(options: TrainOptions): Promise<TrainedTokenizer> {
  const trainer = createNative(options);
  const batchSize = batchSizeOf(options);
  const onProgress = options.onProgress;
  let timer: ReturnType<typeof setInterval> | undefined;
  let last = '';
  const poll = () => {
    if (!onProgress) return;
    const p = trainer.progress();
    const key = `${p.stage}:${p.current}:${p.total}`;
    if (key !== last && p.stage !== 'idle') {
      last = key;
      onProgress({ stage: p.stage, current: p.current, total: p.total });
    }
  };
  if (onProgress) timer = setInterval(poll, options.progressIntervalMs ?? 100);
  try {
    if (options.files !== undefined) await nativeAwait(trainer.feedFiles([...options.files]));
    if (options.iterator !== undefined) {
      let batch: string[] = [];
      let index = 0;
      // One batch counts on native threads while the next one is gathered.
      let pending: Promise<void> | undefined;
      for await (const item of options.iterator as AsyncIterable<unknown>) {
        batch.push(checkItem(item, index++));
        if (batch.length >= batchSize) {
          if (pending) await nativeAwait(pending);
          pending = trainer.feedBatch(batch);
          // Handled when awaited; this only keeps an early exit from leaving it unobserved.
          pending.catch(() => undefined);
          batch = [];
          if (onProgress) onProgress({ stage: 'count words', current: index, total: 0 });
        }
      }
      if (pending) await nativeAwait(pending);
      if (batch.length > 0) await nativeAwait(trainer.feedBatch(batch));
    }
    const result = await nativeAwait(trainer.train());
    poll();
    return new TrainedTokenizer(result);
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}

/** As `trainTokenizer`, blocking the thread (inputs: files and/or a sync iterable). */
export function trainTokenizerSync(options: TrainSyncOptions): TrainedTokenizer {
  const trainer = createNative(options);
  const batchSize = batchSizeOf(options);
  if (options.files !== undefined) {
    const files = [...options.files];
    native(() => trainer.feedFilesSync(files));
  }
  if (options.iterator !== undefined) {
    let batch: string[] = [];
    let index = 0;
    for (const item of options.iterator as Iterable<unknown>) {
      batch.push(checkItem(item, index++));
      if (batch.length >= batchSize) {
        const b = batch;
        native(() => trainer.feedBatchSync(b));
        batch = [];
      }
    }
    if (batch.length > 0) native(() => trainer.feedBatchSync(batch));
  }
  return new TrainedTokenizer(native(() => trainer.trainSync()));
}
