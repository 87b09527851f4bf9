/**
 * Loaders: csv, tsv, json / jsonl, parquet, text -> Dataset.
 *
 * Every loader takes `features` (else infers them) and `cacheDir`: when given, the parsed
 * table is written once to `<cacheDir>/<kind>-<fingerprint>.arrow` (fingerprint = path, size,
 * mtime and options) and every later load just memory-maps it, as HF's cache does. Map results
 * of a cached dataset are cached beside it.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { tableFromColumns } from '../arrow/convert.js';
import { StreamFileWriter } from '../arrow/io.js';
import { binding } from '../binding.js';
import { Dataset } from '../dataset.js';
import { DatasetDict } from '../dataset_dict.js';
import { DatasetError, native, nativeAsync } from '../errors.js';
import {
  type Features,
  type FeatureType,
  featuresFromJson,
  featuresToJson,
  inferFeature,
  Value,
} from '../features.js';
import { sourceFingerprint } from '../fingerprint.js';
import {
  inferColumn,
  parseDelimited,
  type Quoting,
  scanDelimitedBytes,
  toColumns,
  type Utf8Column,
} from './csv.js';

export interface LoadOptions {
  /** Column features; missing ones are inferred. */
  readonly features?: Features;
  /** Write the parsed data here once as Arrow and memory-map it on every later load. */
  readonly cacheDir?: string;
}

export interface CsvOptions extends LoadOptions {
  /** Field separator. Default ',' (csv), '\t' for loadTsv. */
  readonly delimiter?: string;
  /** 'minimal' (RFC 4180, default for csv) or 'none' (quotes are text; default for tsv). */
  readonly quoting?: Quoting;
  /** Column names when the file has no header row. */
  readonly columnNames?: readonly string[];
  /** Rows with the wrong number of fields: throw (default) or skip. */
  readonly onBadRow?: 'error' | 'skip';
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR';
    throw new DatasetError(code, `${file}: cannot read: ${(e as Error).message}`, { cause: e });
  }
}

function sourceKey(kind: string, file: string, options: unknown): string {
  const st = statSync(file);
  return sourceFingerprint({
    kind,
    file: resolve(file),
    size: st.size,
    mtime: st.mtimeMs,
    options: JSON.stringify(options, (_k, v) => (v instanceof Object && '_type' in v ? v : v)),
  });
}

/** Builds the dataset through the cache: reuse `<cacheDir>/<kind>-<fp>.arrow`, else parse + write. */
async function cached(
  kind: string,
  file: string,
  options: LoadOptions,
  keyOptions: unknown,
  parse: () => Promise<{ columns: Record<string, unknown[] | Vector>; features: Features }>,
): Promise<Dataset> {
  const fingerprint = sourceKey(kind, file, {
    ...(keyOptions as object),
    features: options.features ? featuresToJson(options.features) : null,
  });
  const target =
    options.cacheDir === undefined
      ? undefined
      : join(options.cacheDir, `${kind}-${fingerprint}.arrow`);
  if (target !== undefined && existsSync(target))
    return Dataset.fromArrowFiles([target], { fingerprint });
  const { columns, features } = await parse();
  if (target === undefined) {
    return Dataset.fromTable(tableFromColumns(columns, features, file), { features, fingerprint });
  }
  mkdirSync(options.cacheDir as string, { recursive: true });
  const w = new StreamFileWriter(target);
  try {
    w.write(tableFromColumns(columns, features, file));
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
  return Dataset.fromArrowFiles([target], { fingerprint });
}

/** String columns -> typed columns: given features are applied (validated), others inferred. */
function typeColumns(
  cols: Record<string, string[]>,
  lines: number[],
  file: string,
  given: Features | undefined,
): { columns: Record<string, unknown[]>; features: Features } {
  const columns: Record<string, unknown[]> = {};
  const features: Record<string, FeatureType> = {};
  for (const [name, vals] of Object.entries(cols)) {
    const f = given?.[name];
    if (f === undefined) {
      const inf = inferColumn(vals);
      columns[name] = inf.values;
      features[name] = new Value(inf.kind);
    } else {
      features[name] = f;
      columns[name] = vals.map((v, i) => parseCell(f, v, file, lines[i] ?? i + 1, name));
    }
  }
  for (const n of Object.keys(given ?? {})) {
    if (!(n in cols))
      throw new DatasetError(
        'MISSING_COLUMN',
        `${file}: column '${n}' is in the features but not in the header (${Object.keys(cols).join(', ')})`,
      );
  }
  return { columns, features };
}

function parseCell(f: FeatureType, v: string, file: string, line: number, column: string): unknown {
  if (f instanceof Value) {
    if (f.dtype === 'string' || f.dtype === 'large_string') return v;
    if (v === '') return null;
    if (f.dtype === 'bool') return v === 'True' || v === 'true' || v === '1';
    const n = Number(v);
    if (Number.isNaN(n) && !/^nan$/i.test(v))
      throw new DatasetError(
        'INVALID_VALUE',
        `${file}: line ${line}, column '${column}': expected a number (${f.dtype}), found ${JSON.stringify(v)}`,
      );
    return n;
  }
  if ('names' in f) {
    const names = (f as { names: readonly string[] }).names;
    if (names.includes(v)) return v;
    if (/^-?\d+$/.test(v)) return Number(v);
    throw new DatasetError(
      'LABEL_OUT_OF_RANGE',
      `${file}: line ${line}, column '${column}': expected a label in [${names.join(', ')}] or its index, found ${JSON.stringify(v)}`,
    );
  }
  try {
    return JSON.parse(v);
  } catch {
    throw new DatasetError(
      'INVALID_VALUE',
      `${file}: line ${line}, column '${column}': a nested feature needs JSON text, found ${JSON.stringify(v.slice(0, 40))}`,
    );
  }
}

/** Parses a delimited file into string columns (shared by csv/tsv and GLUE). */
export function readDelimited(
  file: string,
  options: {
    delimiter: string;
    quoting: Quoting;
    columnNames?: readonly string[];
    onBadRow?: 'error' | 'skip';
  },
): { columns: Record<string, string[]>; lines: number[]; skipped: number } {
  const records = parseDelimited(readText(file), {
    delimiter: options.delimiter,
    quoting: options.quoting,
    file,
  });
  let header = options.columnNames;
  let body = records;
  if (header === undefined) {
    const first = records[0];
    if (first === undefined)
      throw new DatasetError('EMPTY_FILE', `${file}: empty file, expected a header row`);
    header = first.fields;
    body = records.slice(1);
  }
  const dup = header.find((h, i) => header?.indexOf(h) !== i);
  if (dup !== undefined)
    throw new DatasetError('DUPLICATE_COLUMN', `${file}: the header names column '${dup}' twice`);
  return toColumns(body, header, file, options.onBadRow ?? 'error');
}

/**
 * Loads a CSV file (RFC 4180 quoting by default).
 *
 * @example
 * const ds = await loadCsv('reviews.csv', { features: { label: new ClassLabel(['neg', 'pos']) } });
 */
export async function loadCsv(file: string, options: CsvOptions = {}): Promise<Dataset> {
  const opts = {
    delimiter: options.delimiter ?? ',',
    quoting: options.quoting ?? 'minimal',
    columnNames: options.columnNames,
    onBadRow: options.onBadRow ?? 'error',
  } as const;
  return cached('csv', file, options, opts, async () => {
    if (
      opts.quoting === 'none' &&
      opts.delimiter.length === 1 &&
      opts.delimiter.charCodeAt(0) < 0x80
    ) {
      return scanColumns(file, opts, options.features);
    }
    const { columns, lines } = readDelimited(file, opts);
    return typeColumns(columns, lines, file, options.features);
  });
}

/**
 * Unquoted files through the byte scanner (see scanDelimitedBytes): string columns without
 * empty cells become Arrow Utf8 data straight from the file's bytes; numeric-looking columns
 * and given non-string features are decoded and typed as in `typeColumns`.
 */
function scanColumns(
  file: string,
  opts: { delimiter: string; columnNames?: readonly string[]; onBadRow: 'error' | 'skip' },
  given: Features | undefined,
): { columns: Record<string, unknown[] | Vector>; features: Features } {
  const bytes = new Uint8Array(native(() => binding.mapFileSync(file)));
  const scan = scanDelimitedBytes(bytes, {
    file,
    delimiter: opts.delimiter,
    columnNames: opts.columnNames,
    want: (h) => h,
    onBadRow: opts.onBadRow,
  });
  const dup = scan.header.find((h, i) => scan.header.indexOf(h) !== i);
  if (dup !== undefined)
    throw new DatasetError('DUPLICATE_COLUMN', `${file}: the header names column '${dup}' twice`);
  for (const n of Object.keys(given ?? {})) {
    if (!scan.header.includes(n))
      throw new DatasetError(
        'MISSING_COLUMN',
        `${file}: column '${n}' is in the features but not in the header (${scan.header.join(', ')})`,
      );
  }
  const decoder = new TextDecoder();
  const columns: Record<string, unknown[] | Vector> = {};
  const features: Record<string, FeatureType> = {};
  const lines = Array.from(scan.lines);
  for (const name of scan.header) {
    const col = scan.columns.get(name) as Utf8Column;
    const f = given?.[name];
    const isString = f instanceof Value && f.dtype === 'string';
    const hasEmpty = col.offsets.some((o, i) => i > 0 && o === col.offsets[i - 1]);
    if ((isString || (f === undefined && !looksNumeric(col))) && !(f === undefined && hasEmpty)) {
      columns[name] = makeVector(
        makeData({
          type: new Utf8(),
          length: scan.rows,
          nullCount: 0,
          valueOffsets: col.offsets,
          data: col.data,
        }),
      );
      features[name] = new Value('string');
      continue;
    }
    // Integer columns (ids, indices, 0/1 labels) parse straight from the bytes.
    const ints =
      f === undefined || (f instanceof Value && /^u?int/.test(f.dtype))
        ? intsFromBytes(col, scan.rows)
        : undefined;
    if (ints !== undefined) {
      columns[name] = ints;
      features[name] = f ?? new Value('int64');
      continue;
    }
    const strings = new Array<string>(scan.rows);
    for (let i = 0; i < scan.rows; i++)
      strings[i] = decoder.decode(col.data.subarray(col.offsets[i], col.offsets[i + 1]));
    const typed = typeColumns(
      { [name]: strings },
      lines,
      file,
      f === undefined ? undefined : { [name]: f },
    );
    columns[name] = typed.columns[name] as unknown[];
    features[name] = typed.features[name] as FeatureType;
  }
  return { columns, features };
}

/** Every value an optionally signed decimal integer of at most 15 digits -> numbers; else undefined. */
function intsFromBytes(col: Utf8Column, rows: number): number[] | undefined {
  const out = new Array<number>(rows);
  const d = col.data;
  for (let r = 0; r < rows; r++) {
    let i = col.offsets[r] as number;
    const end = col.offsets[r + 1] as number;
    let sign = 1;
    if (d[i] === 0x2d) {
      sign = -1;
      i++;
    } else if (d[i] === 0x2b) i++;
    if (i === end || end - i > 15) return undefined;
    let v = 0;
    for (; i < end; i++) {
      const c = (d[i] as number) - 0x30;
      if (c < 0 || c > 9) return undefined;
      v = v * 10 + c;
    }
    out[r] = sign * v;
  }
  return out;
}

/** True when every non-empty value is made of number characters (digits, sign, '.', 'e', inf, nan). */
function looksNumeric(col: Utf8Column): boolean {
  const d = col.data;
  for (let i = 0; i < d.length; i++) {
    const c = d[i] as number;
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x2b ||
      c === 0x2e ||
      c === 0x65 ||
      c === 0x45 ||
      c === 0x69 ||
      c === 0x6e ||
      c === 0x66 ||
      c === 0x61 ||
      c === 0x49 ||
      c === 0x4e ||
      c === 0x46 ||
      c === 0x41;
    if (!ok) return false;
  }
  return true;
}

/** Loads a TSV file: tab-separated, and by default quotes are plain text (GLUE's convention). */
export async function loadTsv(file: string, options: CsvOptions = {}): Promise<Dataset> {
  return loadCsv(file, {
    ...options,
    delimiter: options.delimiter ?? '\t',
    quoting: options.quoting ?? 'none',
  });
}

/**
 * Loads JSON: a `.jsonl` file (one object per line), or a `.json` file holding an array of
 * objects, an object of columns, or (with `field`) such a value under a key.
 */
export async function loadJson(
  file: string,
  options: LoadOptions & { field?: string } = {},
): Promise<Dataset> {
  return cached('json', file, options, { field: options.field ?? null }, async () => {
    const text = readText(file);
    let rows: Record<string, unknown>[] | undefined;
    let columns: Record<string, unknown[]> | undefined;
    const trimmed = text.trimStart();
    if (
      file.endsWith('.jsonl') ||
      (options.field === undefined && trimmed.startsWith('{') && !isSingleJson(trimmed))
    ) {
      rows = [];
      text.split('\n').forEach((l, i) => {
        if (l.trim() === '') return;
        try {
          const v = JSON.parse(l);
          if (v === null || typeof v !== 'object' || Array.isArray(v))
            throw new Error('not an object');
          rows?.push(v);
        } catch (e) {
          throw new DatasetError(
            'INVALID_JSON',
            `${file}: line ${i + 1}: expected one JSON object per line: ${(e as Error).message}`,
          );
        }
      });
    } else {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw new DatasetError('INVALID_JSON', `${file}: not valid JSON: ${(e as Error).message}`);
      }
      if (options.field !== undefined) {
        if (v === null || typeof v !== 'object' || !(options.field in v))
          throw new DatasetError(
            'MISSING_COLUMN',
            `${file}: no top-level field '${options.field}'`,
          );
        v = (v as Record<string, unknown>)[options.field];
      }
      if (Array.isArray(v)) rows = v as Record<string, unknown>[];
      else if (v !== null && typeof v === 'object' && Object.values(v).every(Array.isArray))
        columns = v as Record<string, unknown[]>;
      else
        throw new DatasetError(
          'INVALID_JSON',
          `${file}: expected an array of objects or an object of columns${options.field ? ` under '${options.field}'` : ''}`,
        );
    }
    if (columns === undefined) {
      const names = options.features
        ? Object.keys(options.features)
        : [...new Set((rows ?? []).flatMap((r) => Object.keys(r)))];
      columns = {};
      for (const n of names) columns[n] = (rows ?? []).map((r) => r[n] ?? null);
    }
    const features: Record<string, FeatureType> = {};
    for (const [n, vals] of Object.entries(columns))
      features[n] = options.features?.[n] ?? inferFeature(vals, n);
    return { columns, features };
  });
}

function isSingleJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a Parquet file (hyparquet, pure JS; snappy built in). Features come from `features`,
 * else the file's `huggingface` metadata (what HF's `to_parquet` and the Hub write), else the
 * values. The file is memory-mapped while reading.
 */
export async function loadParquet(file: string, options: LoadOptions = {}): Promise<Dataset> {
  return cached('parquet', file, options, {}, async () => {
    const buf = await nativeAsync(() => binding.mapFile(file));
    let meta: ReturnType<typeof parquetMetadata>;
    let rows: Record<string, unknown>[];
    try {
      meta = parquetMetadata(buf);
      rows = (await parquetReadObjects({ file: buf })) as Record<string, unknown>[];
    } catch (e) {
      throw new DatasetError(
        'CORRUPT_PARQUET',
        `${file}: not a readable Parquet file: ${(e as Error).message}`,
        { cause: e },
      );
    }
    let features = options.features;
    const hf = meta.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
    if (features === undefined && hf !== undefined) {
      const parsed = JSON.parse(hf) as { info?: { features?: unknown } };
      if (parsed.info?.features)
        features = featuresFromJson(parsed.info.features, `${file} (huggingface metadata)`);
    }
    const names = features
      ? Object.keys(features)
      : meta.schema
          .slice(1)
          .filter((s) => s.num_children === undefined || s.num_children >= 0)
          .map((s) => s.name);
    const topLevel = topLevelNames(meta.schema);
    const columns: Record<string, unknown[]> = {};
    for (const n of features ? names : topLevel) {
      if (!topLevel.includes(n))
        throw new DatasetError(
          'MISSING_COLUMN',
          `${file}: column '${n}' is in the features but not in the Parquet schema (${topLevel.join(', ')})`,
        );
      columns[n] = rows.map((r) => r[n] ?? null);
    }
    const out: Record<string, FeatureType> = {};
    for (const [n, vals] of Object.entries(columns))
      out[n] = features?.[n] ?? inferFeature(vals, n);
    return { columns, features: out };
  });
}

function topLevelNames(schema: { name: string; num_children?: number }[]): string[] {
  // Flattened depth-first schema: element 0 is the root; skip each child's subtree.
  const names: string[] = [];
  let i = 1;
  const skip = (at: number): number => {
    const n = schema[at]?.num_children ?? 0;
    let j = at + 1;
    for (let k = 0; k < n; k++) j = skip(j);
    return j;
  };
  while (i < schema.length) {
    names.push((schema[i] as { name: string }).name);
    i = skip(i);
  }
  return names;
}

/** Loads a text file: one row `{ text }` per line (HF's text loader), or one per file with sampleBy 'document'. */
export async function loadText(
  file: string,
  options: LoadOptions & { sampleBy?: 'line' | 'document' } = {},
): Promise<Dataset> {
  const sampleBy = options.sampleBy ?? 'line';
  return cached('text', file, options, { sampleBy }, async () => {
    const text = readText(file);
    let lines: string[];
    if (sampleBy === 'document') lines = [text];
    else {
      lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      if (text.endsWith('\n')) lines.pop();
    }
    return { columns: { text: lines }, features: { text: new Value('string') } };
  });
}

export type DataFiles = string | Readonly<Record<string, string>>;

/**
 * HF's `load_dataset(kind, data_files=...)` for local files: one Dataset per split.
 *
 * @example
 * const dd = await loadDataset('csv', { dataFiles: { train: 'train.csv', test: 'test.csv' } });
 */
export async function loadDataset(
  kind: 'csv' | 'tsv' | 'json' | 'parquet' | 'text',
  options: CsvOptions & { dataFiles: DataFiles },
): Promise<DatasetDict> {
  const files =
    typeof options.dataFiles === 'string' ? { train: options.dataFiles } : options.dataFiles;
  const load = { csv: loadCsv, tsv: loadTsv, json: loadJson, parquet: loadParquet, text: loadText }[
    kind
  ];
  if (load === undefined)
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `loadDataset: unknown kind '${kind}' (supported: csv, tsv, json, parquet, text)`,
    );
  const out: Record<string, Dataset> = {};
  for (const [split, f] of Object.entries(files)) out[split] = await load(f, options);
  return new DatasetDict(out);
}
