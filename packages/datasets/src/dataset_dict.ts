/**
 * DatasetDict: named splits (`train`, `validation`, `test`, ...), saved as HF does:
 * `dataset_dict.json` = `{"splits": [...]}` and one `save_to_disk` folder per split.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './arrow/io.js';
import { type BatchFn, Dataset, type MapOptions, type RowFn } from './dataset.js';
import { DatasetError } from './errors.js';
import type { FormatType } from './format.js';

export class DatasetDict {
  readonly #splits: ReadonlyMap<string, Dataset>;

  constructor(splits: Readonly<Record<string, Dataset>>) {
    this.#splits = new Map(Object.entries(splits));
  }

  /** Split names, in order. */
  get splits(): string[] {
    return [...this.#splits.keys()];
  }

  /** The dataset of `split`; throws naming the available splits when absent. */
  get(split: string): Dataset {
    const d = this.#splits.get(split);
    if (d === undefined)
      throw new DatasetError(
        'MISSING_SPLIT',
        `no split '${split}' (splits: ${this.splits.join(', ')})`,
      );
    return d;
  }

  has(split: string): boolean {
    return this.#splits.has(split);
  }

  /** Rows per split. */
  get numRows(): Record<string, number> {
    return Object.fromEntries([...this.#splits].map(([k, d]) => [k, d.numRows]));
  }

  entries(): [string, Dataset][] {
    return [...this.#splits];
  }

  /** Applies `Dataset.map` to every split (each split caches beside its own data). */
  map(fn: BatchFn, options: MapOptions & { readonly batched: true }): Promise<DatasetDict>;
  map(fn: RowFn, options?: MapOptions & { readonly batched?: false }): Promise<DatasetDict>;
  async map(fn: BatchFn | RowFn, options: MapOptions = {}): Promise<DatasetDict> {
    const out: Record<string, Dataset> = {};
    for (const [k, d] of this.#splits) {
      out[k] = options.batched
        ? await d.map(fn as BatchFn, { ...options, batched: true })
        : await d.map(fn as RowFn, { ...options, batched: false });
    }
    return new DatasetDict(out);
  }

  /** Applies a synchronous Dataset -> Dataset function to every split. */
  apply(fn: (d: Dataset, split: string) => Dataset): DatasetDict {
    return new DatasetDict(Object.fromEntries([...this.#splits].map(([k, d]) => [k, fn(d, k)])));
  }

  withFormat(type: FormatType, columns?: readonly string[]): DatasetDict {
    return this.apply((d) => d.withFormat(type, columns));
  }

  /** HF's `DatasetDict.save_to_disk` layout. */
  async saveToDisk(dir: string): Promise<void> {
    this.saveToDiskSync(dir);
  }

  saveToDiskSync(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const [k, d] of this.#splits) d.saveToDiskSync(join(dir, k));
    writeFileAtomic(
      join(dir, 'dataset_dict.json'),
      JSON.stringify({ splits: this.splits }).replace(/,/g, ', ').replace(/:/g, ': '),
    );
  }

  /** Opens a DatasetDict written by `saveToDisk` or by HF's `save_to_disk` (memory-mapped). */
  static async loadFromDisk(dir: string): Promise<DatasetDict> {
    const splits = readSplits(dir);
    const out: Record<string, Dataset> = {};
    for (const s of splits) out[s] = await Dataset.loadFromDisk(join(dir, s));
    return new DatasetDict(out);
  }

  static loadFromDiskSync(dir: string): DatasetDict {
    return new DatasetDict(
      Object.fromEntries(readSplits(dir).map((s) => [s, Dataset.loadFromDiskSync(join(dir, s))])),
    );
  }
}

function readSplits(dir: string): string[] {
  const p = join(dir, 'dataset_dict.json');
  if (!existsSync(p)) {
    const hint = existsSync(join(dir, 'state.json'))
      ? ' It holds a single Dataset: use Dataset.loadFromDisk.'
      : '';
    throw new DatasetError(
      'NOT_A_DATASET_DICT',
      `${dir}: no dataset_dict.json; not a DatasetDict written by save_to_disk / saveToDisk.${hint}`,
    );
  }
  let parsed: { splits?: unknown };
  try {
    parsed = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new DatasetError('INVALID_METADATA', `${p}: not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed.splits) || !parsed.splits.every((s) => typeof s === 'string')) {
    throw new DatasetError(
      'INVALID_METADATA',
      `${p}: expected {"splits": [names]}, found ${JSON.stringify(parsed)}`,
    );
  }
  return parsed.splits as string[];
}

/** Opens whatever `dir` holds: a DatasetDict (dataset_dict.json) or a Dataset (state.json). */
export async function loadFromDisk(dir: string): Promise<Dataset | DatasetDict> {
  return existsSync(join(dir, 'dataset_dict.json'))
    ? DatasetDict.loadFromDisk(dir)
    : Dataset.loadFromDisk(dir);
}
