/**
 * JS values <-> Arrow, guided by features.
 *
 * Building: each column is validated and encoded (`encodeValue`), then built into a vector of
 * the feature's Arrow type; fixed-width columns without nulls skip the builder and wrap one typed
 * array. The schema carries HF's `huggingface` metadata so Python reads the features back.
 *
 * Reading: Arrow values are turned into plain JS: int64 -> number, struct rows -> objects,
 * list vectors -> arrays.
 */
import {
  type Data,
  type DataType,
  type Int32,
  type List,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  type Utf8 as Utf8Type,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { DatasetError } from '../errors.js';
import {
  ClassLabel,
  encodeValue,
  type Features,
  type FeatureType,
  featuresToJson,
  INT_RANGE,
  isStruct,
  pyJsonDumps,
  Sequence,
  toArrowFields,
  toArrowType,
  Value,
} from '../features.js';

/** Rows per record batch in the files we write (HF writes 1000; larger batches read faster). */
export const WRITER_BATCH_SIZE = 10_000;

/** The `huggingface` schema metadata HF writes: `{"info": {"features": {...}}}`, json.dumps form. */
export function hfMetadata(features: Features): Map<string, string> {
  return new Map([['huggingface', pyJsonDumps({ info: { features: featuresToJson(features) } })]]);
}

const TYPED: Partial<
  Record<string, new (n: number) => ArrayLike<number> & { [i: number]: number }>
> = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Builds one column's vector. `file` is for error messages. */
export function buildVector(
  feature: FeatureType,
  values: readonly unknown[],
  column: string,
  rowOffset = 0,
  file?: string,
): Vector {
  const type = toArrowType(feature);
  // Fast path: a fixed-width scalar column without nulls is one typed array.
  const dtype =
    feature instanceof Value
      ? feature.dtype
      : feature instanceof ClassLabel
        ? 'classlabel'
        : undefined;
  if (dtype !== undefined && values.every((v) => v !== null && v !== undefined)) {
    const Ctor = TYPED[dtype];
    if (Ctor !== undefined) {
      const arr = new Ctor(values.length);
      for (let i = 0; i < values.length; i++) {
        arr[i] = encodeValue(feature, values[i], { file, row: rowOffset + i, column }) as number;
      }
      return makeVector(arr as Int32Array);
    }
    if (dtype === 'int64' || dtype === 'classlabel') {
      const arr = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        arr[i] = encodeValue(feature, values[i], { file, row: rowOffset + i, column }) as bigint;
      }
      return makeVector(arr);
    }
  }
  const list = buildNumericList(feature, values, column, rowOffset, file);
  if (list !== undefined) return list;
  const enc = new Array<unknown>(values.length);
  for (let i = 0; i < values.length; i++)
    enc[i] = encodeValue(feature, values[i], { file, row: rowOffset + i, column });
  try {
    return vectorFromArray(enc, type as DataType) as Vector;
  } catch (e) {
    throw new DatasetError(
      'INVALID_VALUE',
      `${file === undefined ? '' : `${file}: `}column '${column}': cannot build ${String(type)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * Fast path for variable-length lists of fixed-width numbers (input_ids, attention_mask, ...):
 * offsets + one typed child array, no per-element builder call. Returns undefined when it does
 * not apply (nulls, nested lists); a value that does not fit is re-encoded by `encodeValue`,
 * which throws the located error.
 */
function buildNumericList(
  feature: FeatureType,
  values: readonly unknown[],
  column: string,
  rowOffset: number,
  file?: string,
): Vector | undefined {
  if (
    !(feature instanceof Sequence) ||
    feature.length !== -1 ||
    !(feature.feature instanceof Value)
  )
    return undefined;
  const dtype = feature.feature.dtype;
  const big = dtype === 'int64';
  const Ctor = TYPED[dtype];
  if (Ctor === undefined && !big) return undefined;
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as ArrayLike<unknown> | null | undefined;
    if (v === null || v === undefined || typeof v !== 'object' || typeof v.length !== 'number')
      return undefined;
    total += v.length;
    offsets[i + 1] = total;
  }
  const range = INT_RANGE[dtype];
  const isInt = dtype.startsWith('int') || dtype.startsWith('uint');
  const child = big ? new BigInt64Array(total) : new (Ctor as new (n: number) => Int32Array)(total);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as ArrayLike<unknown>;
    for (let j = 0; j < v.length; j++) {
      const x = v[j];
      const ok =
        typeof x === 'number' &&
        (!isInt ||
          (Number.isInteger(x) && (range === undefined || (x >= range[0] && x <= range[1]))));
      if (!ok) {
        encodeValue(feature, v, { file, row: rowOffset + i, column }); // throws, naming row and column
        return undefined;
      }
      if (big) (child as BigInt64Array)[k++] = BigInt(x);
      else (child as Int32Array)[k++] = x;
    }
  }
  const type = toArrowType(feature) as List;
  const childType = toArrowType(feature.feature);
  const childData = makeData({
    type: childType as Int32,
    length: total,
    nullCount: 0,
    data: child as Int32Array,
  });
  return makeVector(
    makeData({ type, length: n, nullCount: 0, valueOffsets: offsets, child: childData }),
  );
}

/** A Table with HF metadata from columns of JS values, in `WRITER_BATCH_SIZE` batches. */
export function tableFromColumns(
  columns: Readonly<Record<string, readonly unknown[] | Vector>>,
  features: Features,
  file?: string,
): Table {
  const names = Object.keys(features);
  for (const n of names) {
    if (!(n in columns))
      throw new DatasetError(
        'MISSING_COLUMN',
        `${file === undefined ? '' : `${file}: `}column '${n}' is in the features but has no values`,
      );
  }
  const length =
    names.length === 0 ? 0 : (columns[names[0] as string] as { length: number }).length;
  for (const n of names) {
    const got = (columns[n] as { length: number }).length;
    if (got !== length) {
      throw new DatasetError(
        'RAGGED_COLUMNS',
        `column '${n}' has ${got} values, column '${names[0]}' has ${length}; every column needs one value per row`,
      );
    }
  }
  const schema = new Schema(toArrowFields(features), hfMetadata(features));
  const batches: RecordBatch[] = [];
  for (
    let start = 0;
    start < length || (start === 0 && batches.length === 0);
    start += WRITER_BATCH_SIZE
  ) {
    const end = Math.min(length, start + WRITER_BATCH_SIZE);
    const children: Data[] = names.map((n) => {
      const col = columns[n] as readonly unknown[] | Vector;
      if (!Array.isArray(col)) {
        // An Arrow column (already of the feature's type): its data, sliced without a copy.
        const v = (col as Vector).slice(start, end);
        if (v.data.length === 1) return v.data[0] as Data;
        return buildVector(
          features[n] as FeatureType,
          [...v].map((x) => toJs(features[n] as FeatureType, x)),
          n,
          start,
          file,
        ).data[0] as Data;
      }
      const slice = col.slice(start, end);
      return buildVector(features[n] as FeatureType, slice, n, start, file).data[0] as Data;
    });
    const structType = new Struct(schema.fields);
    const data = makeData({ type: structType, length: end - start, nullCount: 0, children });
    batches.push(new RecordBatch(schema, data));
    if (length === 0) break;
  }
  return new Table(schema, batches);
}

/** Converts an Arrow value (as `vector.get` returns it) into plain JS for `feature`. */
export function toJs(feature: FeatureType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (feature instanceof Value || feature instanceof ClassLabel) {
    return typeof v === 'bigint' ? Number(v) : v;
  }
  if (feature instanceof Sequence) {
    const vec = v as { length: number; get(i: number): unknown; toArray(): ArrayLike<unknown> };
    const inner = feature.feature;
    if (inner instanceof Value && TYPED[inner.dtype] !== undefined)
      return Array.from(vec.toArray() as ArrayLike<number>);
    const out = new Array<unknown>(vec.length);
    for (let i = 0; i < vec.length; i++) out[i] = toJs(inner, vec.get(i));
    return out;
  }
  const row = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(feature)) out[k] = toJs(f, row[k]);
  return out;
}

/** Values of rows `rows` (physical row numbers) of a column vector, as plain JS. */
export function readColumn(
  vector: Vector,
  feature: FeatureType,
  rows: ArrayLike<number> | { start: number; end: number },
): unknown[] {
  const contiguous = !('length' in rows);
  const n = contiguous ? rows.end - rows.start : rows.length;
  const out = new Array<unknown>(n);
  // Fast path: a contiguous range of a fixed-width column without nulls is one typed subarray.
  if (
    contiguous &&
    vector.nullCount === 0 &&
    (feature instanceof Value || feature instanceof ClassLabel) &&
    isFixedWidth(vector.type)
  ) {
    const arr = vector.slice(rows.start, rows.end).toArray() as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) {
      const x = arr[i] as number | bigint;
      out[i] = typeof x === 'bigint' ? Number(x) : x;
    }
    return out;
  }
  // Fast path: gathered rows of a null-free int/float column (after shuffle/select).
  if (
    !contiguous &&
    (feature instanceof Value || feature instanceof ClassLabel) &&
    (vector.type.typeId === Type.Int || vector.type.typeId === Type.Float)
  ) {
    const taken = takeData(
      vector,
      rows instanceof Uint32Array ? rows : Uint32Array.from(rows as ArrayLike<number>),
    );
    if (taken !== undefined) {
      const arr = taken.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        const x = arr[i] as number | bigint;
        out[i] = typeof x === 'bigint' ? Number(x) : x;
      }
      return out;
    }
  }
  const plain =
    (feature instanceof Value || feature instanceof ClassLabel) && vector.type.typeId !== Type.Int;
  for (let i = 0; i < n; i++) {
    const r = contiguous ? rows.start + i : ((rows as ArrayLike<number>)[i] as number);
    const v = vector.get(r);
    out[i] = plain ? (v ?? null) : toJs(feature, v);
  }
  return out;
}

function isFixedWidth(t: DataType): boolean {
  return t.typeId === Type.Int || t.typeId === Type.Float || t.typeId === Type.Bool;
}

export { isStruct };

/**
 * Arrow-level take: rows `indices` (physical) of a column as one new Data, copying bytes rather
 * than decoding values, for null-free fixed-width and utf8 columns (what HF's flatten_indices
 * does in C++). Returns undefined for other columns (the caller decodes and rebuilds).
 *
 * Steps: 1. chunk start rows, to find each index's chunk by binary search; 2. fixed-width:
 * gather elements into one typed array; utf8: sum the lengths, then copy each value's bytes.
 */
export function takeData(vector: Vector, indices: Uint32Array): Data | undefined {
  const chunks = vector.data;
  if (chunks.some((d) => d.nullCount > 0)) return undefined;
  const t = vector.type;
  const fixed = t.typeId === Type.Int || t.typeId === Type.Float;
  const utf8 = t.typeId === Type.Utf8;
  if (!fixed && !utf8) return undefined;
  // 1. Chunk lookup.
  const starts = new Float64Array(chunks.length + 1);
  chunks.forEach((d, i) => {
    starts[i + 1] = (starts[i] as number) + d.length;
  });
  const chunkOf = (row: number): number => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const n = indices.length;
  // 2. Gather.
  if (fixed) {
    const first = chunks[0]?.values as ArrayLike<number> | undefined;
    if (first === undefined) return undefined;
    const Ctor = (first as unknown as { constructor: new (n: number) => Int32Array }).constructor;
    const out = new Ctor(n);
    for (let i = 0; i < n; i++) {
      const row = indices[i] as number;
      const c = chunkOf(row);
      const d = chunks[c] as Data;
      out[i] = (d.values as Int32Array)[d.offset + row - (starts[c] as number)] as number;
    }
    return makeData({ type: t as Int32, length: n, nullCount: 0, data: out });
  }
  const offsets = new Int32Array(n + 1);
  const where = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = indices[i] as number;
    const c = chunkOf(row);
    const d = chunks[c] as Data;
    const r = d.offset + row - (starts[c] as number);
    const vo = d.valueOffsets as Int32Array;
    total += (vo[r + 1] as number) - (vo[r] as number);
    offsets[i + 1] = total;
    where[i] = c;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const row = indices[i] as number;
    const c = where[i] as number;
    const d = chunks[c] as Data;
    const r = d.offset + row - (starts[c] as number);
    const vo = d.valueOffsets as Int32Array;
    bytes.set(
      (d.values as Uint8Array).subarray(vo[r] as number, vo[r + 1] as number),
      offsets[i] as number,
    );
  }
  return makeData({
    type: t as unknown as Utf8Type,
    length: n,
    nullCount: 0,
    valueOffsets: offsets,
    data: bytes,
  });
}
