/**
 * GLUE: the nine tasks + AX, with HF's column names, ClassLabel names and label order
 * (datasets' glue.py), read from the GLUE distribution's TSV folders or from HF's parquet
 * layout (`<task>/<split>-0000i-of-0000n.parquet`, as on the Hub).
 *
 * TSV quirks handled (as glue.py): tab-separated with QUOTE_NONE (raw `"` stay text); CoLA
 * train/dev have no header (source, label, notation, sentence); MRPC's train.tsv starts with a
 * BOM; string labels map through the ClassLabel, numeric ones (SST-2, CoLA, MRPC, QQP, WNLI)
 * are indices; test splits have no label (-1; STS-B -1.0); `idx` is the row's position in the
 * file; rows missing a needed field are dropped, as glue.py does (`skippedRows` counts them).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Data,
  Float32,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
} from 'apache-arrow';
import { hfMetadata } from '../arrow/convert.js';
import { StreamFileWriter } from '../arrow/io.js';
import { binding } from '../binding.js';
import { Dataset } from '../dataset.js';
import { DatasetDict } from '../dataset_dict.js';
import { DatasetError, native } from '../errors.js';
import { ClassLabel, type Features, type FeatureType, toArrowFields, Value } from '../features.js';
import { sourceFingerprint } from '../fingerprint.js';
import { scanDelimitedBytes, type Utf8Column } from '../loaders/csv.js';
import { loadParquet } from '../loaders/index.js';

export type GlueTask =
  | 'cola'
  | 'sst2'
  | 'mrpc'
  | 'qqp'
  | 'stsb'
  | 'mnli'
  | 'qnli'
  | 'rte'
  | 'wnli'
  | 'ax';

interface TaskSpec {
  /** Folder in the GLUE distribution. */
  readonly folder: string;
  /** HF column -> TSV column. */
  readonly text: Readonly<Record<string, string>>;
  /** ClassLabel names in HF's order; undefined = regression (float32). */
  readonly classes?: readonly string[];
  readonly labelColumn: string;
  /** HF split -> TSV file stem. */
  readonly splits: Readonly<Record<string, string>>;
}

const STANDARD = { train: 'train', validation: 'dev', test: 'test' } as const;
const NLI = ['entailment', 'neutral', 'contradiction'] as const;

export const GLUE_TASKS: Readonly<Record<GlueTask, TaskSpec>> = {
  cola: {
    folder: 'CoLA',
    text: { sentence: 'sentence' },
    classes: ['unacceptable', 'acceptable'],
    labelColumn: 'is_acceptable',
    splits: STANDARD,
  },
  sst2: {
    folder: 'SST-2',
    text: { sentence: 'sentence' },
    classes: ['negative', 'positive'],
    labelColumn: 'label',
    splits: STANDARD,
  },
  mrpc: {
    folder: 'MRPC',
    text: { sentence1: '#1 String', sentence2: '#2 String' },
    classes: ['not_equivalent', 'equivalent'],
    labelColumn: 'Quality',
    splits: STANDARD,
  },
  qqp: {
    folder: 'QQP',
    text: { question1: 'question1', question2: 'question2' },
    classes: ['not_duplicate', 'duplicate'],
    labelColumn: 'is_duplicate',
    splits: STANDARD,
  },
  stsb: {
    folder: 'STS-B',
    text: { sentence1: 'sentence1', sentence2: 'sentence2' },
    labelColumn: 'score',
    splits: STANDARD,
  },
  mnli: {
    folder: 'MNLI',
    text: { premise: 'sentence1', hypothesis: 'sentence2' },
    classes: NLI,
    labelColumn: 'gold_label',
    splits: {
      train: 'train',
      validation_matched: 'dev_matched',
      validation_mismatched: 'dev_mismatched',
      test_matched: 'test_matched',
      test_mismatched: 'test_mismatched',
    },
  },
  qnli: {
    folder: 'QNLI',
    text: { question: 'question', sentence: 'sentence' },
    classes: ['entailment', 'not_entailment'],
    labelColumn: 'label',
    splits: STANDARD,
  },
  rte: {
    folder: 'RTE',
    text: { sentence1: 'sentence1', sentence2: 'sentence2' },
    classes: ['entailment', 'not_entailment'],
    labelColumn: 'label',
    splits: STANDARD,
  },
  // WNLI's files label 1 = entailment, so its names are in the opposite order of RTE/QNLI.
  wnli: {
    folder: 'WNLI',
    text: { sentence1: 'sentence1', sentence2: 'sentence2' },
    classes: ['not_entailment', 'entailment'],
    labelColumn: 'label',
    splits: STANDARD,
  },
  ax: {
    folder: 'diagnostic',
    text: { premise: 'sentence1', hypothesis: 'sentence2' },
    classes: NLI,
    labelColumn: '',
    splits: { test: 'diagnostic' },
  },
};

/** HF's features for a GLUE task: text columns, `label`, `idx` (int32). */
export function glueFeatures(task: GlueTask): Features {
  const spec = taskSpec(task);
  const f: Record<string, FeatureType> = {};
  for (const k of Object.keys(spec.text)) f[k] = new Value('string');
  f.label = spec.classes ? new ClassLabel(spec.classes) : new Value('float32');
  f.idx = new Value('int32');
  return f;
}

function taskSpec(task: string): TaskSpec {
  const spec = GLUE_TASKS[task as GlueTask];
  if (spec === undefined)
    throw new DatasetError(
      'UNKNOWN_TASK',
      `loadGlue: unknown task '${task}' (supported: ${Object.keys(GLUE_TASKS).join(', ')})`,
    );
  return spec;
}

export interface LoadGlueOptions {
  /**
   * A GLUE distribution folder (holding CoLA/, SST-2/, ... or the task's own files), or an HF
   * parquet folder (holding `<task>/<split>-*.parquet` or the split files themselves).
   */
  readonly dataDir: string;
  /** Only these splits (default: all the task has). */
  readonly splits?: readonly string[];
  /** Passed to the loaders' Arrow cache (see LoadOptions.cacheDir). */
  readonly cacheDir?: string;
}

/**
 * Loads a GLUE task as a DatasetDict with HF's splits, columns and labels.
 *
 * @example
 * const mnli = await loadGlue('mnli', { dataDir: 'glue_data' });
 * mnli.splits; // -> ['train', 'validation_matched', 'validation_mismatched', 'test_matched', 'test_mismatched']
 * mnli.get('train').features.label; // ClassLabel(['entailment', 'neutral', 'contradiction'])
 */
export async function loadGlue(task: GlueTask, options: LoadGlueOptions): Promise<DatasetDict> {
  const spec = taskSpec(task);
  const splits = options.splits ?? Object.keys(spec.splits);
  const out: Record<string, Dataset> = {};
  for (const split of splits) {
    const stem = spec.splits[split];
    if (stem === undefined)
      throw new DatasetError(
        'MISSING_SPLIT',
        `loadGlue('${task}'): no split '${split}' (splits: ${Object.keys(spec.splits).join(', ')})`,
      );
    const parquet = findParquet(options.dataDir, task, split);
    if (parquet.length > 0) {
      const parts = await Promise.all(
        parquet.map((f) =>
          loadParquet(f, { features: glueFeatures(task), cacheDir: options.cacheDir }),
        ),
      );
      out[split] =
        parts.length === 1
          ? (parts[0] as Dataset)
          : (await import('../dataset.js')).concatenateDatasets(parts);
      continue;
    }
    out[split] = await glueTsvCached(
      task,
      split,
      tsvPath(options.dataDir, spec, task, stem),
      options.cacheDir,
    );
  }
  return new DatasetDict(out);
}

function findParquet(dir: string, task: string, split: string): string[] {
  for (const d of [join(dir, task), dir]) {
    if (!existsSync(d)) continue;
    const re = new RegExp(`^${split}-\\d{5}-of-\\d{5}\\.parquet$`);
    const files = readdirSync(d)
      .filter((f) => re.test(f))
      .sort();
    if (files.length > 0) return files.map((f) => join(d, f));
  }
  return [];
}

function tsvPath(dir: string, spec: TaskSpec, task: string, stem: string): string {
  const candidates = [join(dir, spec.folder, `${stem}.tsv`), join(dir, `${stem}.tsv`)];
  if (task === 'ax') candidates.push(join(dir, 'AX.tsv'), join(dir, 'diagnostic-full.tsv'));
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new DatasetError(
      'FILE_NOT_FOUND',
      `loadGlue('${task}'): none of ${candidates.join(', ')} exists; dataDir must hold the GLUE distribution's ${spec.folder}/ folder or HF parquet files`,
    );
  }
  return found;
}

/** Reads one GLUE TSV with glue.py's rules (see the module comment), on the byte scanner. */
function loadGlueTsv(task: GlueTask, split: string, file: string): Dataset {
  const spec = GLUE_TASKS[task];
  const colaNoHeader = task === 'cola' && !split.startsWith('test');
  const bytes = new Uint8Array(native(() => binding.mapFileSync(file)));
  const header = colaNoHeader
    ? ['source', 'is_acceptable', 'label_notation', 'sentence']
    : undefined;
  const textCols = Object.values(spec.text);
  let hasLabel = false;
  // Like glue.py's DictReader: rows with too few fields are dropped (missing -> None -> skipped),
  // extra fields are ignored (they go to DictReader's restkey).
  const scan = scanDelimitedBytes(bytes, {
    file,
    delimiter: '\t',
    columnNames: header,
    want: (h) => {
      // Test files have no label column; every split has the text columns.
      for (const c of textCols) {
        if (!h.includes(c))
          throw new DatasetError(
            'MISSING_COLUMN',
            `${file}: no column '${c}' (header: ${h.join(', ')}); is this the ${spec.folder} ${split} file?`,
          );
      }
      hasLabel = h.includes(spec.labelColumn);
      return hasLabel ? [...textCols, spec.labelColumn] : textCols;
    },
    onBadRow: 'skip',
    extraFields: 'ignore',
  });
  const n = scan.rows;
  const features = glueFeatures(task);
  const fields = toArrowFields(features);
  const children: Data[] = [];
  for (const c of textCols) {
    const col = scan.columns.get(c) as Utf8Column;
    children.push(
      makeData({
        type: new Utf8(),
        length: n,
        nullCount: 0,
        valueOffsets: col.offsets,
        data: col.data,
      }),
    );
  }
  // Labels: names through the ClassLabel, digits as indices, absent -> -1 (glue.py).
  const decoder = new TextDecoder();
  const labelCol = hasLabel ? (scan.columns.get(spec.labelColumn) as Utf8Column) : undefined;
  const raw = (i: number) =>
    labelCol === undefined
      ? ''
      : decoder.decode(labelCol.data.subarray(labelCol.offsets[i], labelCol.offsets[i + 1]));
  if (spec.classes === undefined) {
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (labelCol === undefined) {
        labels[i] = -1;
        continue;
      }
      const r = raw(i);
      const v = Number(r);
      if (r === '' || Number.isNaN(v))
        throw new DatasetError(
          'INVALID_VALUE',
          `${file}: line ${scan.lines[i]}, column '${spec.labelColumn}': expected a similarity score, found ${JSON.stringify(r)}`,
        );
      labels[i] = v;
    }
    children.push(makeData({ type: new Float32(), length: n, nullCount: 0, data: labels }));
  } else {
    const labels = new BigInt64Array(n);
    const byName = new Map(spec.classes.map((c, i) => [c, BigInt(i)]));
    for (let i = 0; i < n; i++) {
      if (labelCol === undefined) {
        labels[i] = -1n;
        continue;
      }
      const r = raw(i);
      const named = byName.get(r);
      const v = named !== undefined ? Number(named) : /^-?\d+$/.test(r) ? Number(r) : Number.NaN;
      if (Number.isNaN(v) || v < -1 || v >= spec.classes.length) {
        throw new DatasetError(
          'LABEL_OUT_OF_RANGE',
          `${file}: line ${scan.lines[i]}, column '${spec.labelColumn}': expected one of ${spec.classes.join(', ')} or an index in [0, ${spec.classes.length}), found ${JSON.stringify(r)}`,
        );
      }
      labels[i] = BigInt(v);
    }
    children.push(makeData({ type: new Int64(), length: n, nullCount: 0, data: labels }));
  }
  // idx = position among the file's data rows (glue.py's enumerate, corrupted rows included).
  const headerOffset = colaNoHeader ? 1 : 2;
  children.push(
    makeData({
      type: new Int32(),
      length: n,
      nullCount: 0,
      data: scan.lines.map((l) => l - headerOffset),
    }),
  );
  const schema = new Schema(fields, hfMetadata(features));
  const table = new Table(schema, [
    new RecordBatch(
      schema,
      makeData({ type: new Struct(fields), length: n, nullCount: 0, children }),
    ),
  ]);
  return Dataset.fromTable(table, { features, fingerprint: glueFingerprint(task, split, file) });
}

function glueFingerprint(task: string, split: string, file: string): string {
  const st = statSync(file);
  return sourceFingerprint({
    glue: task,
    split,
    file: resolve(file),
    size: st.size,
    mtime: st.mtimeMs,
  });
}

/**
 * With `cacheDir`: the split is written once to `<cacheDir>/glue-<task>-<split>-<fp>.arrow`
 * (atomically) and memory-mapped from there on every later load, as HF's cache does; map
 * results then cache beside it.
 */
async function glueTsvCached(
  task: GlueTask,
  split: string,
  file: string,
  cacheDir: string | undefined,
): Promise<Dataset> {
  if (cacheDir === undefined) return loadGlueTsv(task, split, file);
  const fingerprint = glueFingerprint(task, split, file);
  const target = join(cacheDir, `glue-${task}-${split}-${fingerprint}.arrow`);
  if (!existsSync(target)) {
    mkdirSync(cacheDir, { recursive: true });
    const w = new StreamFileWriter(target);
    try {
      w.write(loadGlueTsv(task, split, file).data);
      w.close();
    } catch (e) {
      w.abort();
      throw e;
    }
  }
  return Dataset.fromArrowFiles([target], { fingerprint });
}
