/**
 * Dataset: an immutable table of rows backed by Arrow, usually memory-mapped from disk.
 *
 * Layout (as HF `datasets`):
 *   - `#table`: the Arrow data, possibly several files' record batches;
 *   - `#indices`: an optional indices mapping (row i of the dataset is row indices[i] of the
 *     table): select / filter / shuffle / sort / trainTestSplit only build a new mapping;
 *   - `fingerprint`: hash(parent fingerprint, transform, canonical args); names map caches.
 * Every transform returns a new Dataset; nothing mutates.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type Field as ArrowField,
  type Data,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  type Vector,
} from 'apache-arrow';
import { hfMetadata, readColumn, tableFromColumns, takeData, toJs } from './arrow/convert.js';
import { openArrow, openArrowSync, StreamFileWriter, writeFileAtomic } from './arrow/io.js';
import { DatasetError } from './errors.js';
import {
  arrowTypeMatches,
  ClassLabel,
  encodeValue,
  type Features,
  type FeatureType,
  featureFromArrowType,
  featuresFromJson,
  featuresToJson,
  inferFeature,
  isStruct,
  type Json,
  Sequence,
  toArrowFields,
  Value,
} from './features.js';
import { fingerprintOf, sourceFingerprint } from './fingerprint.js';
import { type Format, type FormatType, toTensors } from './format.js';
import { Rng } from './random.js';

export type Row = Record<string, unknown>;
export type Batch = Record<string, unknown[]>;
/** A batched map function: `{ column: values[] }` and the batch's first row -> new columns. */
export type BatchFn = (
  batch: Batch,
  start: number,
) => Batch | undefined | Promise<Batch | undefined>;
/** A row map function: a row and its index -> new or updated fields. */
export type RowFn = (row: Row, index: number) => Row | undefined | Promise<Row | undefined>;

interface Init {
  readonly table: Table;
  readonly features: Features;
  readonly fingerprint: string;
  readonly indices: Uint32Array | null;
  readonly cacheDir: string | null;
  readonly dataFiles: readonly string[];
  readonly format: Format;
  readonly info: Readonly<Record<string, Json>>;
}

export interface MapOptions {
  /** Call `fn` on batches (`{ column: values[] }`) instead of rows. Default false. */
  readonly batched?: boolean;
  /** Rows per batch when `batched`. Default 1000 (HF's). */
  readonly batchSize?: number;
  /** Input columns to drop from the result. */
  readonly removeColumns?: readonly string[];
  /** Features of the output columns; others are kept (unchanged columns) or inferred. */
  readonly features?: Features;
  /**
   * Names the transform in the fingerprint instead of `fn`'s source. Required when the
   * function's behaviour depends on state its source does not show (a closure over a tokenizer
   * or a counter): e.g. `cacheKey: 'bert-base-uncased/max128'`.
   */
  readonly cacheKey?: string;
  /** Read and write `cache-<fingerprint>.arrow` beside the data. Default true (when on disk). */
  readonly cache?: boolean;
}

export interface TrainTestSplitOptions {
  /** Fraction (0..1) or number of test rows. Default 0.25 when trainSize is not given. */
  readonly testSize?: number;
  /** Fraction or number of train rows. Default: the rest. */
  readonly trainSize?: number;
  /** Shuffle before splitting. Default true. */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Keep each class's proportion in both splits (a ClassLabel or int column). */
  readonly stratifyByColumn?: string;
}

function where(files: readonly string[]): string {
  return files.length === 0
    ? '(in memory)'
    : files.length === 1
      ? (files[0] as string)
      : `${files[0]} (+${files.length - 1} files)`;
}

/** Python's json.dump(..., indent=2, sort_keys=True) with ensure_ascii. */
function pyJsonIndented(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v), null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * An immutable, Arrow-backed dataset.
 *
 * @example
 * const ds = Dataset.fromRecords([{ text: 'good', label: 1 }, { text: 'bad', label: 0 }], {
 *   features: { text: new Value('string'), label: new ClassLabel(['neg', 'pos']) },
 * });
 * ds.numRows;          // -> 2
 * ds.get(0);           // -> { text: 'good', label: 1 }
 * await ds.saveToDisk('out/'); // HF layout: data-00000-of-00001.arrow, state.json, ...
 */
export class Dataset {
  readonly #table: Table;
  readonly #indices: Uint32Array | null;
  readonly #cacheDir: string | null;
  readonly #dataFiles: readonly string[];
  readonly #format: Format;
  readonly #info: Readonly<Record<string, Json>>;
  /** Column name -> feature, in column order. */
  readonly features: Features;
  /** Identifies the data and every transform applied to it. */
  readonly fingerprint: string;

  private constructor(init: Init) {
    this.#table = init.table;
    this.#indices = init.indices;
    this.#cacheDir = init.cacheDir;
    this.#dataFiles = init.dataFiles;
    this.#format = init.format;
    this.#info = init.info;
    this.features = init.features;
    this.fingerprint = init.fingerprint;
  }

  #derive(patch: Partial<Init>): Dataset {
    return new Dataset({
      table: this.#table,
      features: this.features,
      fingerprint: this.fingerprint,
      indices: this.#indices,
      cacheDir: this.#cacheDir,
      dataFiles: this.#dataFiles,
      format: this.#format,
      info: this.#info,
      ...patch,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Construction

  /** From row objects. Without `features`, types are inferred (ints -> int64, floats -> float64). */
  static fromRecords(rows: readonly Row[], options: { features?: Features } = {}): Dataset {
    const names = options.features
      ? Object.keys(options.features)
      : [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const columns: Batch = {};
    for (const n of names) columns[n] = rows.map((r) => r[n]);
    return Dataset.fromColumns(columns, options);
  }

  /** From `{ column: values[] }`. */
  static fromColumns(
    columns: Readonly<Record<string, readonly unknown[]>>,
    options: { features?: Features } = {},
  ): Dataset {
    const features: Record<string, FeatureType> = {};
    const given = options.features ?? {};
    for (const n of Object.keys(given)) {
      if (!(n in columns))
        throw new DatasetError(
          'MISSING_COLUMN',
          `fromColumns: column '${n}' is in the features but not in the data (columns: ${Object.keys(columns).join(', ')})`,
        );
    }
    for (const [n, vals] of Object.entries(columns))
      features[n] = given[n] ?? inferFeature(vals, n);
    const table = tableFromColumns(columns, features);
    return Dataset.fromTable(table, { features });
  }

  /**
   * From an apache-arrow Table (no copy). Features come from `features`, else the schema's
   * `huggingface` metadata, else the Arrow types.
   */
  static fromTable(
    table: Table,
    options: { features?: Features; fingerprint?: string; file?: string } = {},
  ): Dataset {
    const file = options.file ?? '(table)';
    const features = options.features ?? featuresOfSchema(table.schema, file);
    checkSchema(table.schema, features, file);
    const withMeta = new Table(
      new Schema(table.schema.fields, hfMetadata(features)),
      table.batches.map(
        (b) => new RecordBatch(new Schema(table.schema.fields, hfMetadata(features)), b.data),
      ),
    );
    return new Dataset({
      table: table.batches.length === 0 ? table : withMeta,
      features,
      fingerprint:
        options.fingerprint ??
        sourceFingerprint({
          schema: String(table.schema),
          rows: table.numRows,
          first: table.numRows > 0 ? String(table.get(0)) : '',
          last: table.numRows > 0 ? String(table.get(table.numRows - 1)) : '',
        }),
      indices: null,
      cacheDir: null,
      dataFiles: [],
      format: { type: 'js', columns: undefined },
      info: {},
    });
  }

  /**
   * Opens Arrow files (IPC stream or file format) memory-mapped, as one dataset. Map caches of
   * the result go to the first file's directory.
   */
  static async fromArrowFiles(
    files: readonly string[],
    options: { fingerprint?: string; info?: Record<string, Json> } = {},
  ): Promise<Dataset> {
    const tables = await Promise.all(files.map((f) => openArrow(f)));
    return Dataset.#fromTables(files, tables, options);
  }

  /** The sync twin of `fromArrowFiles`. */
  static fromArrowFilesSync(
    files: readonly string[],
    options: { fingerprint?: string; info?: Record<string, Json> } = {},
  ): Dataset {
    return Dataset.#fromTables(
      files,
      files.map((f) => openArrowSync(f)),
      options,
    );
  }

  static #fromTables(
    files: readonly string[],
    tables: readonly Table[],
    options: { fingerprint?: string; info?: Record<string, Json> },
  ): Dataset {
    const first = tables[0];
    if (first === undefined || files[0] === undefined)
      throw new DatasetError('NO_DATA_FILES', 'fromArrowFiles: no files given');
    const features = featuresOfSchema(first.schema, files[0]);
    tables.forEach((t, i) => {
      checkSchema(t.schema, features, files[i] as string);
      if (i > 0 && String(t.schema.fields) !== String(first.schema.fields)) {
        throw new DatasetError(
          'SCHEMA_MISMATCH',
          `${files[i]}: schema ${String(t.schema.fields)} differs from ${files[0]}'s ${String(first.schema.fields)}`,
        );
      }
    });
    const schema = new Schema(first.schema.fields, hfMetadata(features));
    const table = new Table(
      schema,
      tables.flatMap((t) => t.batches.map((b) => new RecordBatch(schema, b.data))),
    );
    return new Dataset({
      table,
      features,
      fingerprint:
        options.fingerprint ?? sourceFingerprint({ files: files.map((f) => resolve(f)) }),
      indices: null,
      cacheDir: dirname(resolve(files[0])),
      dataFiles: files.map((f) => resolve(f)),
      format: { type: 'js', columns: undefined },
      info: options.info ?? {},
    });
  }

  /** Opens a dataset written by `saveToDisk` here or by HF's `save_to_disk` (memory-mapped). */
  static async loadFromDisk(dir: string): Promise<Dataset> {
    const { files, fingerprint, info, format } = readSavedState(dir);
    return (await Dataset.fromArrowFiles(files, { fingerprint, info })).#withSavedFormat(
      format,
      dir,
    );
  }

  /** The sync twin of `loadFromDisk`. */
  static loadFromDiskSync(dir: string): Dataset {
    const { files, fingerprint, info, format } = readSavedState(dir);
    return Dataset.fromArrowFilesSync(files, { fingerprint, info }).#withSavedFormat(format, dir);
  }

  /**
   * state.json's `_format_type` / `_format_columns`: 'arrow' stays 'arrow'; HF's tensor formats
   * (numpy, torch, tensorflow, jax, pandas, ...) have no JS equivalent and read as 'js'; the
   * format columns are kept.
   */
  #withSavedFormat(format: { type: unknown; columns: unknown }, dir: string): Dataset {
    let columns: string[] | undefined;
    if (Array.isArray(format.columns)) {
      columns = format.columns.map(String);
      const missing = columns.find((c) => !(c in this.features));
      if (missing !== undefined) {
        throw new DatasetError(
          'INVALID_METADATA',
          `${join(dir, 'state.json')}: _format_columns names '${missing}', which is not a column (${this.columnNames.join(', ')})`,
        );
      }
    }
    return this.#derive({ format: { type: format.type === 'arrow' ? 'arrow' : 'js', columns } });
  }

  // ------------------------------------------------------------------------------------------
  // Access

  get numRows(): number {
    return this.#indices === null ? this.#table.numRows : this.#indices.length;
  }
  get columnNames(): string[] {
    return Object.keys(this.features);
  }
  /** The Arrow files behind this dataset (empty when in memory). */
  get dataFiles(): readonly string[] {
    return this.#dataFiles;
  }
  get format(): Format {
    return this.#format;
  }
  /** True when an indices mapping sits between rows and the table (after select/shuffle/...). */
  get hasIndicesMapping(): boolean {
    return this.#indices !== null;
  }
  /** The underlying Arrow table (without the indices mapping). */
  get data(): Table {
    return this.#table;
  }

  #checkRow(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.numRows) {
      throw new DatasetError(
        'INDEX_OUT_OF_RANGE',
        `${where(this.#dataFiles)}: row ${i} is outside [0, ${this.numRows})`,
      );
    }
    return this.#indices === null ? i : (this.#indices[i] as number);
  }

  #vector(name: string) {
    const v = this.#table.getChild(name);
    if (v === null)
      throw new DatasetError(
        'MISSING_COLUMN',
        `${where(this.#dataFiles)}: no column '${name}' (columns: ${this.columnNames.join(', ')})`,
      );
    return v;
  }

  /** Row `i` as a plain object. */
  get(i: number): Row {
    const r = this.#checkRow(i);
    const out: Row = {};
    for (const [n, f] of Object.entries(this.features)) out[n] = toJs(f, this.#vector(n).get(r));
    return out;
  }

  /** Rows [start, end) as `{ column: values[] }` (all columns, or `columns`). */
  getBatch(start: number, end: number, columns?: readonly string[]): Batch {
    const s = Math.max(0, start);
    const e = Math.min(this.numRows, end);
    const rows =
      this.#indices === null
        ? { start: s, end: Math.max(s, e) }
        : this.#indices.subarray(s, Math.max(s, e));
    const out: Batch = {};
    for (const n of columns ?? this.columnNames) {
      const f = this.features[n];
      if (f === undefined)
        throw new DatasetError(
          'MISSING_COLUMN',
          `${where(this.#dataFiles)}: no column '${n}' (columns: ${this.columnNames.join(', ')})`,
        );
      out[n] = readColumn(this.#vector(n), f, rows);
    }
    return out;
  }

  /** All values of one column. */
  column(name: string): unknown[] {
    return this.getBatch(0, this.numRows, [name])[name] as unknown[];
  }

  /** Rows as plain objects. */
  *[Symbol.iterator](): IterableIterator<Row> {
    const step = 1000;
    for (let s = 0; s < this.numRows; s += step) {
      const b = this.getBatch(s, s + step);
      const names = Object.keys(b);
      const n = Math.min(step, this.numRows - s);
      for (let i = 0; i < n; i++) {
        const row: Row = {};
        for (const k of names) row[k] = (b[k] as unknown[])[i];
        yield row;
      }
    }
  }

  /**
   * Batches in this dataset's format ('js': `{ column: values[] }`, 'arrow': Table, 'tfjs':
   * `{ column: Tensor }`), over the format's columns.
   */
  *iter(options: { batchSize?: number; dropLastBatch?: boolean } = {}): IterableIterator<unknown> {
    const size = options.batchSize ?? 1000;
    if (!Number.isInteger(size) || size < 1)
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `iter: batchSize must be a positive integer, got ${size}`,
      );
    const cols = this.#format.columns;
    for (let s = 0; s < this.numRows; s += size) {
      if (options.dropLastBatch && s + size > this.numRows) break;
      const b = this.getBatch(s, s + size, cols);
      if (this.#format.type === 'js') yield b;
      else if (this.#format.type === 'arrow')
        yield tableFromColumns(b, pick(this.features, Object.keys(b)));
      else yield toTensors(b, this.features);
    }
  }

  /**
   * The same data with another output format for `iter`: 'tfjs' yields padded int32/float32
   * tensors (`label` -> `labels`), 'arrow' Arrow tables, 'js' plain arrays.
   */
  withFormat(type: FormatType, columns?: readonly string[]): Dataset {
    for (const c of columns ?? []) {
      if (!(c in this.features))
        throw new DatasetError(
          'MISSING_COLUMN',
          `withFormat: no column '${c}' (columns: ${this.columnNames.join(', ')})`,
        );
    }
    if (!['js', 'arrow', 'tfjs'].includes(type))
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `withFormat: unknown format '${type}' (supported: js, arrow, tfjs)`,
      );
    return this.#derive({
      format: { type, columns: columns === undefined ? undefined : [...columns] },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Transforms on the indices mapping

  #withIndices(indices: Uint32Array, transform: string, args: unknown): Dataset {
    const physical =
      this.#indices === null ? indices : indices.map((i) => this.#indices?.[i] as number);
    return this.#derive({
      indices: physical,
      fingerprint: fingerprintOf(this.fingerprint, transform, args),
    });
  }

  /** Rows at `indices` (in that order). */
  select(indices: Iterable<number>): Dataset {
    const arr = Uint32Array.from(indices, (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.numRows)
        throw new DatasetError(
          'INDEX_OUT_OF_RANGE',
          `select: index ${i} is outside [0, ${this.numRows})`,
        );
      return i;
    });
    return this.#withIndices(arr, 'select', { indices: arr });
  }

  /** Rows for which `predicate(row, index)` is true. `cacheKey` as in `map`. */
  filter(
    predicate: (row: Row, index: number) => boolean,
    options: { cacheKey?: string } = {},
  ): Dataset {
    const keep: number[] = [];
    let i = 0;
    for (const row of this) {
      if (predicate(row, i)) keep.push(i);
      i++;
    }
    return this.#withIndices(Uint32Array.from(keep), 'filter', {
      function: options.cacheKey ?? predicate,
    });
  }

  /**
   * A seeded permutation of the rows, through an indices mapping. Same seed, same order as HF's
   * `shuffle(seed=...)` (numpy's default_rng permutation, see random.ts).
   */
  shuffle(options: { seed?: number } = {}): Dataset {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const perm = new Rng(seed).permutation(this.numRows);
    return this.#withIndices(perm, 'shuffle', { seed });
  }

  /** Rows ordered by `column` (stable; nulls last). */
  sort(column: string, options: { reverse?: boolean } = {}): Dataset {
    const values = this.column(column);
    const idx = Array.from({ length: values.length }, (_, i) => i);
    const sign = options.reverse ? -1 : 1;
    idx.sort((a, b) => {
      const x = values[a];
      const y = values[b];
      if (x === y) return a - b;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return ((x as number) < (y as number) ? -1 : 1) * sign;
    });
    return this.#withIndices(Uint32Array.from(idx), 'sort', {
      column,
      reverse: options.reverse ?? false,
    });
  }

  /**
   * Splits into `{ train, test }` (HF's counts: test = ceil(testSize * n), train = floor(...)).
   * With `stratifyByColumn`, each class keeps its share in both splits.
   */
  trainTestSplit(options: TrainTestSplitOptions = {}): { train: Dataset; test: Dataset } {
    const n = this.numRows;
    const count = (x: number, round: (v: number) => number) => (x < 1 ? round(x * n) : x);
    let nTest = options.testSize === undefined ? undefined : count(options.testSize, Math.ceil);
    let nTrain = options.trainSize === undefined ? undefined : count(options.trainSize, Math.floor);
    if (nTest === undefined && nTrain === undefined) nTest = Math.ceil(0.25 * n);
    nTest ??= n - (nTrain as number);
    nTrain ??= n - nTest;
    if (nTest < 1 || nTrain < 1 || nTest + nTrain > n) {
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `trainTestSplit: ${nTrain} train + ${nTest} test rows do not fit in ${n} rows (each split needs at least 1)`,
      );
    }
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const shuffle = options.shuffle ?? true;
    let train: Uint32Array;
    let test: Uint32Array;
    if (options.stratifyByColumn !== undefined) {
      if (!shuffle)
        throw new DatasetError(
          'INVALID_ARGUMENT',
          'trainTestSplit: stratifyByColumn needs shuffle: true',
        );
      const labels = this.column(options.stratifyByColumn);
      const rng = new Rng(seed);
      const byClass = new Map<unknown, number[]>();
      labels.forEach((l, i) => {
        const list = byClass.get(l) ?? [];
        list.push(i);
        byClass.set(l, list);
      });
      // Largest-remainder allocation of the test rows across classes.
      const classes = [...byClass.entries()].sort((a, b) =>
        String(a[0]).localeCompare(String(b[0])),
      );
      const exact = classes.map(([, rows]) => (rows.length * (nTest as number)) / n);
      const alloc = exact.map(Math.floor);
      let left = (nTest as number) - alloc.reduce((a, b) => a + b, 0);
      const order = exact
        .map((e, i) => [e - Math.floor(e), i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      for (const [, i] of order) {
        if (left-- <= 0) break;
        alloc[i] = (alloc[i] as number) + 1;
      }
      const tr: number[] = [];
      const te: number[] = [];
      classes.forEach(([, rows], c) => {
        const p = rng.permutation(rows.length);
        const k = alloc[c] as number;
        p.forEach((j, pos) => {
          (pos < k ? te : tr).push(rows[j] as number);
        });
      });
      const trainAll = Uint32Array.from(tr);
      const trainPerm = rng.permutation(trainAll.length);
      train = trainPerm.map((j) => trainAll[j] as number).subarray(0, nTrain);
      const testAll = Uint32Array.from(te);
      test = rng.permutation(testAll.length).map((j) => testAll[j] as number);
    } else if (shuffle) {
      const perm = new Rng(seed).permutation(n);
      test = perm.slice(0, nTest);
      train = perm.slice(nTest, nTest + nTrain);
    } else {
      train = Uint32Array.from({ length: nTrain }, (_, i) => i);
      test = Uint32Array.from({ length: nTest }, (_, i) => nTrain + i);
    }
    const args = {
      testSize: nTest,
      trainSize: nTrain,
      seed,
      shuffle,
      stratify: options.stratifyByColumn ?? null,
    };
    return {
      train: this.#withIndices(train, 'train_test_split/train', args),
      test: this.#withIndices(test, 'train_test_split/test', args),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Column transforms (zero copy: the same Arrow buffers under a new schema)

  #rebuild(
    fields: ReturnType<typeof toArrowFields>,
    features: Features,
    pickData: (b: RecordBatch) => Data[],
    transform: string,
    args: unknown,
  ): Dataset {
    const schema = new Schema(fields, hfMetadata(features));
    const batches = this.#table.batches.map(
      (b) =>
        new RecordBatch(
          schema,
          makeData({
            type: new Struct(fields),
            length: b.numRows,
            nullCount: 0,
            children: pickData(b),
          }),
        ),
    );
    return this.#derive({
      table: new Table(schema, batches),
      features,
      fingerprint: fingerprintOf(this.fingerprint, transform, args),
      format: {
        type: this.#format.type,
        columns: this.#format.columns?.filter((c) => c in features),
      },
    });
  }

  #requireColumns(names: readonly string[], op: string): void {
    for (const n of names) {
      if (!(n in this.features))
        throw new DatasetError(
          'MISSING_COLUMN',
          `${op}: no column '${n}' in ${where(this.#dataFiles)} (columns: ${this.columnNames.join(', ')})`,
        );
    }
  }

  /** Renames columns: `{ old: 'new' }`. */
  renameColumns(mapping: Readonly<Record<string, string>>): Dataset {
    this.#requireColumns(Object.keys(mapping), 'renameColumns');
    const names = this.columnNames.map((n) => mapping[n] ?? n);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined)
      throw new DatasetError(
        'DUPLICATE_COLUMN',
        `renameColumns: two columns would be named '${dup}'`,
      );
    const features: Record<string, FeatureType> = {};
    this.columnNames.forEach((n, i) => {
      features[names[i] as string] = this.features[n] as FeatureType;
    });
    const fields = this.#table.schema.fields.map((f, i) => f.clone({ name: names[i] as string }));
    return this.#rebuild(fields, features, (b) => [...b.data.children], 'rename_columns', mapping);
  }

  renameColumn(from: string, to: string): Dataset {
    return this.renameColumns({ [from]: to });
  }

  /** Drops columns. */
  removeColumns(names: readonly string[]): Dataset {
    this.#requireColumns(names, 'removeColumns');
    return this.selectColumns(
      this.columnNames.filter((n) => !names.includes(n)),
      'remove_columns',
    );
  }

  /** Keeps only `names`, in that order. */
  selectColumns(names: readonly string[], transform = 'select_columns'): Dataset {
    this.#requireColumns(names, 'selectColumns');
    const pos = names.map((n) => this.#table.schema.fields.findIndex((f) => f.name === n));
    const features: Record<string, FeatureType> = {};
    for (const n of names) features[n] = this.features[n] as FeatureType;
    return this.#rebuild(
      pos.map((p) => this.#table.schema.fields[p] as ArrowField),
      features,
      (b) => pos.map((p) => b.data.children[p] as Data),
      transform,
      names,
    );
  }

  /** Struct columns become one column per leaf, named `parent.child` (as HF's flatten). */
  flatten(): Dataset {
    const fields: ReturnType<typeof toArrowFields> = [];
    const features: Record<string, FeatureType> = {};
    const paths: number[][] = [];
    const walk = (f: FeatureType, name: string, field: ArrowField, path: number[]) => {
      if (isStruct(f) && Object.keys(f).length > 0) {
        Object.entries(f).forEach(([k, sub], i) => {
          walk(sub, `${name}.${k}`, field.type.children[i] as ArrowField, [...path, i]);
        });
      } else {
        features[name] = f;
        fields.push(field.clone({ name }));
        paths.push(path);
      }
    };
    this.#table.schema.fields.forEach((field, i) => {
      walk(this.features[field.name] as FeatureType, field.name, field, [i]);
    });
    const at = (d: Data, path: number[]): Data => path.reduce((x, i) => x.children[i] as Data, d);
    return this.#rebuild(fields, features, (b) => paths.map((p) => at(b.data, p)), 'flatten', {});
  }

  /**
   * Re-encodes columns under new features (`{ column: feature }`): int -> float, string names ->
   * ClassLabel ids, numeric strings -> numbers, ... Every value is validated; a value that does
   * not fit throws `DatasetError` naming the row and column.
   */
  castColumns(casts: Features): Dataset {
    this.#requireColumns(Object.keys(casts), 'castColumns');
    const features: Record<string, FeatureType> = { ...this.features, ...casts };
    const columns: Batch = {};
    for (const n of this.columnNames) {
      const vals = this.column(n);
      const f = casts[n];
      columns[n] =
        f === undefined
          ? vals
          : vals.map((v, row) => castValue(f, v, { row, column: n, file: where(this.#dataFiles) }));
    }
    const table = tableFromColumns(columns, features, where(this.#dataFiles));
    return this.#derive({
      table,
      features,
      indices: null,
      fingerprint: fingerprintOf(this.fingerprint, 'cast', featuresToJson(casts)),
    });
  }

  castColumn(name: string, feature: FeatureType): Dataset {
    return this.castColumns({ [name]: feature });
  }

  // ------------------------------------------------------------------------------------------
  // map

  /**
   * Applies `fn` to every row (or batch, with `batched`) and returns a dataset of the input
   * columns (minus `removeColumns`) updated with `fn`'s outputs.
   *
   * When the dataset lives on disk, the result is written to `cache-<fingerprint>.arrow` beside
   * its data (atomically) and memory-mapped; the next run with the same parent, function source
   * (or `cacheKey`) and options reopens that file instead of computing.
   *
   * @example
   * const tok = await ds.map((b) => tokenizer.encodeBatch(b.sentence as string[]), {
   *   batched: true, cacheKey: 'bert-base-uncased:128',
   * });
   */
  map(fn: BatchFn, options: MapOptions & { readonly batched: true }): Promise<Dataset>;
  map(fn: RowFn, options?: MapOptions & { readonly batched?: false }): Promise<Dataset>;
  async map(fn: BatchFn | RowFn, options: MapOptions = {}): Promise<Dataset> {
    const batched = options.batched ?? false;
    const batchSize = options.batchSize ?? 1000;
    const removeColumns = options.removeColumns ?? [];
    this.#requireColumns(removeColumns, 'map removeColumns');
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `map: batchSize must be a positive integer, got ${batchSize}`,
      );
    const fingerprint = fingerprintOf(this.fingerprint, 'map', {
      function: options.cacheKey ?? fn,
      batched,
      batchSize: batched ? batchSize : null,
      removeColumns,
      features: options.features === undefined ? null : featuresToJson(options.features),
    });
    const useCache = (options.cache ?? true) && this.#cacheDir !== null;
    const cacheFile = useCache
      ? join(this.#cacheDir as string, `cache-${fingerprint}.arrow`)
      : undefined;
    if (cacheFile !== undefined && existsSync(cacheFile)) {
      return (await Dataset.fromArrowFiles([cacheFile], { fingerprint })).#derive({
        cacheDir: this.#cacheDir,
        format: this.#format,
      });
    }

    // Steps: for each input chunk -> call fn -> merge outputs with kept input columns -> encode
    // as a record batch (features fixed by the first chunk) -> append to the cache stream.
    const kept = this.columnNames.filter((c) => !removeColumns.includes(c));
    let features: Features | undefined;
    const tables: Table[] = [];
    const writer = cacheFile === undefined ? undefined : new StreamFileWriter(cacheFile);
    const chunk = batched ? batchSize : 1000;
    try {
      for (let s = 0; s < this.numRows || (s === 0 && this.numRows === 0 && false); s += chunk) {
        const input = this.getBatch(s, s + chunk);
        const n = Math.min(chunk, this.numRows - s);
        let out: Batch;
        if (batched) {
          const r = (await (fn as BatchFn)(input, s)) ?? {};
          out = r as Batch;
          for (const [k, v] of Object.entries(out)) {
            if (!Array.isArray(v) && !ArrayBuffer.isView(v)) {
              throw new DatasetError(
                'INVALID_MAP_OUTPUT',
                `map (batched): output column '${k}' of the batch at row ${s} is not an array`,
              );
            }
          }
        } else {
          out = {};
          for (let i = 0; i < n; i++) {
            const row: Row = {};
            for (const k of Object.keys(input)) row[k] = (input[k] as unknown[])[i];
            const r = (await (fn as RowFn)(row, s + i)) ?? {};
            if (typeof r !== 'object' || Array.isArray(r)) {
              throw new DatasetError(
                'INVALID_MAP_OUTPUT',
                `map: row ${s + i}: the function must return an object of fields (or nothing), returned ${Array.isArray(r) ? 'an array' : typeof r}`,
              );
            }
            for (const [k, v] of Object.entries(r)) {
              if (i > 0 && !(k in out))
                throw new DatasetError(
                  'INVALID_MAP_OUTPUT',
                  `map: row ${s + i} returned column '${k}' that earlier rows did not`,
                );
              if (out[k] === undefined) out[k] = [];
              (out[k] as unknown[]).push(v);
            }
          }
          for (const [k, v] of Object.entries(out)) {
            if (v.length !== n)
              throw new DatasetError(
                'INVALID_MAP_OUTPUT',
                `map: column '${k}' is missing from some rows of rows ${s}..${s + n - 1}`,
              );
          }
        }
        const outLen = Object.values(out)[0]?.length ?? n;
        const columns: Batch = {};
        // Unchanged input columns: the Arrow data itself (no decode/re-encode) when the batch lies
        // in one record batch of an unmapped table; else the decoded values.
        const sliced = this.#indices === null ? this.#table.slice(s, s + n) : undefined;
        const arrowKept: Record<string, Vector> = {};
        for (const k of kept) {
          if (k in out) continue;
          const v = sliced?.getChild(k);
          if (v !== undefined && v !== null && v.data.length === 1) arrowKept[k] = v;
          columns[k] = input[k] as unknown[];
        }
        for (const [k, v] of Object.entries(out)) columns[k] = Array.from(v as ArrayLike<unknown>);
        for (const [k, v] of Object.entries(columns)) {
          if (v.length !== outLen || (kept.some((c) => !(c in out)) && outLen !== n)) {
            throw new DatasetError(
              'INVALID_MAP_OUTPUT',
              `map: column '${k}' has ${v.length} rows for input rows ${s}..${s + n - 1} but the batch has ${outLen === v.length ? n : outLen}; a batched map may change the row count only when every input column is in removeColumns`,
            );
          }
        }
        if (features === undefined) {
          const f: Record<string, FeatureType> = {};
          for (const [k, v] of Object.entries(columns)) {
            const prev = this.features[k];
            const given = options.features?.[k];
            if (given !== undefined) f[k] = given;
            else if (prev !== undefined && !(k in out)) f[k] = prev;
            else
              f[k] =
                optimizedIntList(k, v) ??
                (prev !== undefined && fits(prev, v) ? prev : inferFeature(v, k));
          }
          features = f;
        }
        const t = tableFromColumns({ ...columns, ...arrowKept }, features, cacheFile);
        if (writer !== undefined) writer.write(t);
        else tables.push(t);
      }
      features ??= Object.fromEntries(kept.map((k) => [k, this.features[k] as FeatureType]));
      if (writer !== undefined) {
        if (this.numRows === 0)
          writer.write(
            tableFromColumns(
              Object.fromEntries(Object.keys(features).map((k) => [k, []])),
              features,
            ),
          );
        writer.close();
      }
    } catch (e) {
      writer?.abort();
      throw e;
    }
    if (cacheFile !== undefined) {
      return (await Dataset.fromArrowFiles([cacheFile], { fingerprint })).#derive({
        cacheDir: this.#cacheDir,
        format: this.#format,
      });
    }
    const f = features;
    const schema = new Schema(toArrowFields(f), hfMetadata(f));
    const table =
      tables.length === 0
        ? tableFromColumns(Object.fromEntries(Object.keys(f).map((k) => [k, []])), f)
        : new Table(
            schema,
            tables.flatMap((t) => t.batches.map((b) => new RecordBatch(schema, b.data))),
          );
    return this.#derive({ table, features: f, indices: null, fingerprint });
  }

  // ------------------------------------------------------------------------------------------
  // Saving

  /** The data as one Arrow table with the indices mapping applied (a copy only if mapped). */
  toTable(): Table {
    const indices = this.#indices;
    if (indices === null) return this.#table;
    // Column by column: bytes gathered at the Arrow level where possible, else decode + rebuild.
    const columns: Record<string, unknown[] | Vector> = {};
    for (const [name, f] of Object.entries(this.features)) {
      const data = takeData(this.#vector(name), indices);
      columns[name] =
        data === undefined ? readColumn(this.#vector(name), f, indices) : makeVector(data);
    }
    return tableFromColumns(columns, this.features);
  }

  /**
   * Writes HF's `save_to_disk` layout: `data-0000i-of-0000n.arrow` (IPC stream), `state.json`,
   * `dataset_info.json`. Each file is written atomically. HF's `load_from_disk` opens it.
   */
  async saveToDisk(dir: string, options: { numShards?: number } = {}): Promise<void> {
    this.saveToDiskSync(dir, options);
  }

  /** The sync twin of `saveToDisk`. */
  saveToDiskSync(dir: string, options: { numShards?: number } = {}): void {
    const numShards = options.numShards ?? 1;
    if (!Number.isInteger(numShards) || numShards < 1)
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `saveToDisk: numShards must be a positive integer, got ${numShards}`,
      );
    mkdirSync(dir, { recursive: true });
    if (this.#dataFiles.some((f) => dirname(f) === resolve(dir))) {
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `saveToDisk: ${dir} holds this dataset's own data files; save to another directory`,
      );
    }
    const pad = (i: number) => String(i).padStart(5, '0');
    const names: string[] = [];
    const schema = new Schema(toArrowFields(this.features), hfMetadata(this.features));
    const per = Math.ceil(this.numRows / numShards);
    const source = this.toTable();
    for (let k = 0; k < numShards; k++) {
      const name = `data-${pad(k)}-of-${pad(numShards)}.arrow`;
      names.push(name);
      const w = new StreamFileWriter(join(dir, name));
      try {
        const start = k * per;
        const end = Math.min(this.numRows, start + per);
        let wrote = false;
        // Re-frame the record batches (no decode), sliced to the shard; a mapped dataset is
        // first gathered into a new table (toTable).
        for (const b of source.slice(start, end).batches) {
          if (b.numRows === 0) continue;
          w.write(new Table(schema, [new RecordBatch(schema, b.data)]));
          wrote = true;
        }
        if (!wrote)
          w.write(
            tableFromColumns(
              Object.fromEntries(this.columnNames.map((c) => [c, []])),
              this.features,
            ),
          );
        w.close();
      } catch (e) {
        w.abort();
        throw e;
      }
    }
    const info = {
      citation: '',
      description: '',
      ...this.#info,
      features: featuresToJson(this.features),
      homepage: '',
      license: '',
    };
    const orderedInfo = Object.fromEntries(
      Object.keys(info)
        .sort()
        .map((k) => [k, (info as Record<string, unknown>)[k]]),
    );
    writeFileAtomic(
      join(dir, 'dataset_info.json'),
      JSON.stringify(orderedInfo, null, 2).replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    );
    const state = {
      _data_files: names.map((filename) => ({ filename })),
      _fingerprint: this.fingerprint,
      _format_columns: this.#format.columns ?? null,
      _format_kwargs: {},
      _format_type: this.#format.type === 'arrow' ? 'arrow' : null,
      _output_all_columns: false,
      _split: null,
    };
    writeFileAtomic(join(dir, 'state.json'), pyJsonIndented(state));
    // Stale shards of an earlier save with another shard count would confuse nobody (state.json
    // lists the files) but waste space: remove them.
    for (let k = numShards; k < numShards + 64; k++) {
      const stale = join(dir, `data-${pad(k)}-of-${pad(numShards)}.arrow`);
      if (existsSync(stale)) rmSync(stale);
    }
  }
}

/**
 * HF's arrow_writer stores tokenizer outputs in small ints when they fit (OptimizedTypedSequence):
 * input_ids int32, attention_mask / token_type_ids / special_tokens_mask int8.
 */
const OPTIMIZED_INT: Readonly<Record<string, 'int8' | 'int32'>> = {
  input_ids: 'int32',
  attention_mask: 'int8',
  token_type_ids: 'int8',
  special_tokens_mask: 'int8',
};

function optimizedIntList(name: string, values: readonly unknown[]): FeatureType | undefined {
  const dtype = OPTIMIZED_INT[name];
  if (dtype === undefined) return undefined;
  const f = new Sequence(new Value(dtype));
  return values.every((v) => Array.isArray(v) || ArrayBuffer.isView(v)) && fits(f, values)
    ? f
    : undefined;
}

function pick(f: Features, names: readonly string[]): Features {
  return Object.fromEntries(names.map((n) => [n, f[n] as FeatureType]));
}

function fits(f: FeatureType, values: readonly unknown[]): boolean {
  try {
    values.forEach((v, row) => {
      encodeValue(f, v, { row, column: '' });
    });
    return true;
  } catch {
    return false;
  }
}

/** encodeValue after the conversions a cast allows (numeric strings -> numbers, numbers -> strings). */
function castValue(
  f: FeatureType,
  v: unknown,
  loc: { row: number; column: string; file: string },
): unknown {
  if (f instanceof Value && v !== null && v !== undefined) {
    const numeric =
      f.dtype.startsWith('int') || f.dtype.startsWith('uint') || f.dtype.startsWith('float');
    if (numeric && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
      v = Number(v);
    else if (numeric && typeof v === 'boolean') v = v ? 1 : 0;
    else if (
      (f.dtype === 'string' || f.dtype === 'large_string') &&
      (typeof v === 'number' || typeof v === 'boolean')
    )
      v = String(v);
  }
  if (f instanceof ClassLabel && typeof v === 'string' && /^-?\d+$/.test(v) && !f.names.includes(v))
    v = Number(v);
  if (f instanceof Sequence && Array.isArray(v))
    return v.map((x, i) => castValue(f.feature, x, { ...loc, column: `${loc.column}[${i}]` }));
  encodeValue(f, v, loc);
  return v;
}

/** Features from the schema's `huggingface` metadata, else from the Arrow types. */
function featuresOfSchema(schema: Schema, file: string): Features {
  const meta = schema.metadata.get('huggingface');
  if (meta !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(meta);
    } catch (e) {
      throw new DatasetError(
        'INVALID_METADATA',
        `${file}: the schema's 'huggingface' metadata is not JSON: ${(e as Error).message}`,
      );
    }
    const features = (parsed as { info?: { features?: unknown } })?.info?.features;
    if (features !== undefined && features !== null)
      return featuresFromJson(features, `${file} (huggingface metadata)`);
  }
  const out: Record<string, FeatureType> = {};
  for (const f of schema.fields)
    out[f.name] = featureFromArrowType(f.type, `${file}: column '${f.name}'`);
  return out;
}

/** The schema must hold exactly the features' columns, each with the features' Arrow type. */
function checkSchema(schema: Schema, features: Features, file: string): void {
  const names = schema.fields.map((f) => f.name);
  for (const n of Object.keys(features)) {
    if (!names.includes(n))
      throw new DatasetError(
        'MISSING_COLUMN',
        `${file}: column '${n}' is in the features but not in the Arrow schema (columns: ${names.join(', ')})`,
      );
  }
  for (const field of schema.fields) {
    const f = features[field.name];
    if (f === undefined)
      throw new DatasetError(
        'SCHEMA_MISMATCH',
        `${file}: column '${field.name}' is in the Arrow schema but not in the features (${Object.keys(features).join(', ')})`,
      );
    if (!arrowTypeMatches(f, field.type)) {
      throw new DatasetError(
        'SCHEMA_MISMATCH',
        `${file}: column '${field.name}': the features say ${JSON.stringify(featuresToJson({ x: f }).x)} (Arrow ${String(featuresTypeString(f))}) but the data is ${String(field.type)}`,
      );
    }
  }
}

function featuresTypeString(f: FeatureType): string {
  return String(toArrowFields({ x: f })[0]?.type);
}

/** Reads `state.json` (+ `dataset_info.json`) of a saved dataset. */
function readSavedState(dir: string): {
  files: string[];
  fingerprint: string | undefined;
  info: Record<string, Json>;
  format: { type: unknown; columns: unknown };
} {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) {
    const hint = existsSync(join(dir, 'dataset_dict.json'))
      ? ' It holds a DatasetDict: use DatasetDict.loadFromDisk.'
      : '';
    throw new DatasetError(
      'NOT_A_DATASET',
      `${dir}: no state.json; not a directory written by save_to_disk / saveToDisk.${hint}`,
    );
  }
  let state: {
    _data_files?: { filename?: string }[];
    _fingerprint?: string;
    _format_type?: unknown;
    _format_columns?: unknown;
  };
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (e) {
    throw new DatasetError('INVALID_METADATA', `${statePath}: not JSON: ${(e as Error).message}`);
  }
  const files = (state._data_files ?? []).map((d, i) => {
    if (typeof d?.filename !== 'string')
      throw new DatasetError(
        'INVALID_METADATA',
        `${statePath}: _data_files[${i}] has no 'filename'`,
      );
    return join(dir, d.filename);
  });
  if (files.length === 0)
    throw new DatasetError('INVALID_METADATA', `${statePath}: _data_files is empty`);
  let info: Record<string, Json> = {};
  const infoPath = join(dir, 'dataset_info.json');
  if (existsSync(infoPath)) {
    try {
      info = JSON.parse(readFileSync(infoPath, 'utf8'));
    } catch (e) {
      throw new DatasetError('INVALID_METADATA', `${infoPath}: not JSON: ${(e as Error).message}`);
    }
    delete info.features;
  }
  return {
    files,
    fingerprint: state._fingerprint,
    info,
    format: { type: state._format_type, columns: state._format_columns },
  };
}

/**
 * Concatenates datasets with the same features (rows of the first, then the second, ...).
 * Unmapped datasets share their Arrow buffers; mapped ones are materialized.
 */
export function concatenateDatasets(datasets: readonly Dataset[]): Dataset {
  const first = datasets[0];
  if (first === undefined)
    throw new DatasetError('INVALID_ARGUMENT', 'concatenateDatasets: no datasets given');
  const want = JSON.stringify(featuresToJson(first.features));
  datasets.forEach((d, i) => {
    const got = JSON.stringify(featuresToJson(d.features));
    if (got !== want)
      throw new DatasetError(
        'SCHEMA_MISMATCH',
        `concatenateDatasets: dataset ${i} has features ${got}, dataset 0 has ${want}; cast them first`,
      );
  });
  const schema = new Schema(toArrowFields(first.features), hfMetadata(first.features));
  const table = new Table(
    schema,
    datasets.flatMap((d) => d.toTable().batches.map((b) => new RecordBatch(schema, b.data))),
  );
  return Dataset.fromTable(table, {
    features: first.features,
    fingerprint: fingerprintOf(
      first.fingerprint,
      'concatenate',
      datasets.map((d) => d.fingerprint),
    ),
  });
}
