/**
 * Features: the typed schema of a dataset, serialized exactly as HF `datasets` does (the
 * `huggingface` key of the Arrow schema metadata and `dataset_info.json`):
 *
 *   Value('int32')              -> {"dtype": "int32", "_type": "Value"}            Arrow int32
 *   ClassLabel(['neg', 'pos'])  -> {"names": ["neg", "pos"], "_type": "ClassLabel"} Arrow int64
 *   Sequence(Value('int32'))    -> {"feature": {...}, "_type": "List"}             Arrow list<item>
 *   Sequence(Value('float32'),2)-> {"feature": {...}, "length": 2, "_type": "List"} fixed_size_list
 *   { a: Value('string') }      -> {"a": {...}}                                    Arrow struct
 *
 * The legacy `{"_type": "Sequence"}` form (datasets < 4) is read too; a Sequence of a struct is
 * a struct of Sequences there, as in HF.
 */
import {
  Binary,
  Bool,
  type DataType,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeBinary,
  LargeUtf8,
  List,
  Null,
  Struct,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { DatasetError } from './errors.js';

/** The dtypes of `Value`, with HF's names. */
export type Dtype =
  | 'null'
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string'
  | 'large_string'
  | 'binary'
  | 'large_binary';

const DTYPES: readonly Dtype[] = [
  'null',
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
  'string',
  'large_string',
  'binary',
  'large_binary',
];
/** HF accepts these aliases in `Value(...)` and normalizes them. */
const DTYPE_ALIASES: Readonly<Record<string, Dtype>> = {
  float: 'float32',
  double: 'float64',
  half: 'float16',
  boolean: 'bool',
  utf8: 'string',
  large_utf8: 'large_string',
};

/** A scalar column of one dtype. */
export class Value {
  readonly _type = 'Value' as const;
  readonly dtype: Dtype;
  constructor(dtype: Dtype | 'float' | 'double') {
    const d = (DTYPE_ALIASES[dtype] ?? dtype) as Dtype;
    if (!DTYPES.includes(d)) {
      throw new DatasetError(
        'UNKNOWN_DTYPE',
        `Value: unknown dtype '${dtype}' (supported: ${DTYPES.join(', ')})`,
      );
    }
    this.dtype = d;
  }
}

/**
 * Class indices stored as int64, with their names. `-1` means "no label" (GLUE test splits).
 *
 * @example
 * const l = new ClassLabel(['negative', 'positive']);
 * l.str2int('positive'); // -> 1
 * l.int2str(0);          // -> 'negative'
 */
export class ClassLabel {
  readonly _type = 'ClassLabel' as const;
  readonly names: readonly string[];
  constructor(names: readonly string[]) {
    if (new Set(names).size !== names.length) {
      throw new DatasetError(
        'INVALID_FEATURE',
        `ClassLabel: duplicate names in [${names.join(', ')}]`,
      );
    }
    this.names = [...names];
  }
  get numClasses(): number {
    return this.names.length;
  }
  str2int(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) {
      throw new DatasetError(
        'LABEL_OUT_OF_RANGE',
        `ClassLabel: unknown label name '${name}' (expected one of: ${this.names.join(', ')})`,
      );
    }
    return i;
  }
  int2str(i: number): string {
    const n = this.names[i];
    if (n === undefined) {
      throw new DatasetError(
        'LABEL_OUT_OF_RANGE',
        `ClassLabel: label ${i} is outside [0, ${this.names.length})`,
      );
    }
    return n;
  }
}

/** A list of `feature`; `length` -1 means variable length, else a fixed-size list. */
export class Sequence {
  readonly _type = 'List' as const;
  constructor(
    readonly feature: FeatureType,
    readonly length: number = -1,
  ) {}
}

/** A struct: named sub-features. */
export interface StructFeature {
  readonly [name: string]: FeatureType;
}

export type FeatureType = Value | ClassLabel | Sequence | StructFeature;

/** Column name -> feature, in column order. */
export type Features = StructFeature;

export function isStruct(f: FeatureType): f is StructFeature {
  return !(f instanceof Value || f instanceof ClassLabel || f instanceof Sequence);
}

// ---------------------------------------------------------------------------------------------
// JSON (HF's to_dict / from_dict)

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** HF's `Features.to_dict()` form. */
export function featuresToJson(features: Features): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, f] of Object.entries(features)) out[k] = featureToJson(f);
  return out;
}

function featureToJson(f: FeatureType): Json {
  if (f instanceof Value) return { dtype: f.dtype, _type: 'Value' };
  if (f instanceof ClassLabel) return { names: [...f.names], _type: 'ClassLabel' };
  if (f instanceof Sequence) {
    const o: Record<string, Json> = { feature: featureToJson(f.feature) };
    if (f.length !== -1) o.length = f.length;
    o._type = 'List';
    return o;
  }
  return featuresToJson(f);
}

/** Parses HF's `Features.to_dict()` form. `where` names the file for error messages. */
export function featuresFromJson(json: unknown, where = 'features'): Features {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DatasetError(
      'INVALID_FEATURE',
      `${where}: expected an object of features, found ${JSON.stringify(json)}`,
    );
  }
  const out: Record<string, FeatureType> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    out[k] = featureFromJson(v, `${where}.${k}`);
  }
  return out;
}

function featureFromJson(json: unknown, where: string): FeatureType {
  if (json === null || typeof json !== 'object') {
    throw new DatasetError(
      'INVALID_FEATURE',
      `${where}: expected a feature object, found ${JSON.stringify(json)}`,
    );
  }
  if (Array.isArray(json)) {
    // HF's shorthand: [feature] is a variable-length list.
    if (json.length !== 1)
      throw new DatasetError(
        'INVALID_FEATURE',
        `${where}: a list feature holds exactly one sub-feature`,
      );
    return new Sequence(featureFromJson(json[0], `${where}[0]`));
  }
  const o = json as Record<string, unknown>;
  switch (o._type) {
    case 'Value':
      return new Value(String(o.dtype) as Dtype);
    case 'ClassLabel': {
      if (!Array.isArray(o.names)) {
        throw new DatasetError(
          'INVALID_FEATURE',
          `${where}: ClassLabel without 'names' (num_classes-only labels are not supported)`,
        );
      }
      return new ClassLabel(o.names.map(String));
    }
    case 'List':
    case 'LargeList':
    case 'Sequence': {
      const length = typeof o.length === 'number' ? o.length : -1;
      const inner = featureFromJson(o.feature, `${where}.feature`);
      // Legacy Sequence({a: ...}) is a struct of lists.
      if (o._type === 'Sequence' && isStruct(inner)) {
        const s: Record<string, FeatureType> = {};
        for (const [k, f] of Object.entries(inner)) s[k] = new Sequence(f, length);
        return s;
      }
      return new Sequence(inner, length);
    }
    case undefined:
      return featuresFromJson(o, where);
    default:
      throw new DatasetError(
        'INVALID_FEATURE',
        `${where}: unsupported feature type '${String(o._type)}' (supported: Value, ClassLabel, List, Sequence, struct)`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Arrow

const ARROW_OF: Record<Dtype, () => DataType> = {
  null: () => new Null(),
  bool: () => new Bool(),
  int8: () => new Int8(),
  int16: () => new Int16(),
  int32: () => new Int32(),
  int64: () => new Int64(),
  uint8: () => new Uint8(),
  uint16: () => new Uint16(),
  uint32: () => new Uint32(),
  uint64: () => new Uint64(),
  float16: () => new Float16(),
  float32: () => new Float32(),
  float64: () => new Float64(),
  string: () => new Utf8(),
  large_string: () => new LargeUtf8(),
  binary: () => new Binary(),
  large_binary: () => new LargeBinary(),
};

/** The Arrow type HF stores a feature as (pyarrow's nullable fields, list child 'item'). */
export function toArrowType(f: FeatureType): DataType {
  if (f instanceof Value) return ARROW_OF[f.dtype]();
  if (f instanceof ClassLabel) return new Int64();
  if (f instanceof Sequence) {
    const child = new Field('item', toArrowType(f.feature), true);
    return f.length === -1 ? new List(child) : new FixedSizeList(f.length, child);
  }
  return new Struct(Object.entries(f).map(([k, sub]) => new Field(k, toArrowType(sub), true)));
}

/** The arrow schema's fields for `features`. */
export function toArrowFields(features: Features): Field[] {
  return Object.entries(features).map(([k, f]) => new Field(k, toArrowType(f), true));
}

/** Infers a feature from an Arrow type, as HF's `generate_from_arrow_type`. */
export function featureFromArrowType(t: DataType, where: string): FeatureType {
  switch (t.typeId) {
    case Type.Null:
      return new Value('null');
    case Type.Bool:
      return new Value('bool');
    case Type.Int: {
      const i = t as Int8;
      return new Value(`${i.isSigned ? 'int' : 'uint'}${i.bitWidth}` as Dtype);
    }
    case Type.Float: {
      const p = (t as Float32).precision;
      return new Value(p === 0 ? 'float16' : p === 1 ? 'float32' : 'float64');
    }
    case Type.Utf8:
      return new Value('string');
    case Type.LargeUtf8:
      return new Value('large_string');
    case Type.Binary:
      return new Value('binary');
    case Type.LargeBinary:
      return new Value('large_binary');
    case Type.List: {
      const c = (t as List).children[0];
      if (c === undefined)
        throw new DatasetError('INVALID_SCHEMA', `${where}: list type without a child field`);
      return new Sequence(featureFromArrowType(c.type, `${where}.item`));
    }
    case Type.FixedSizeList: {
      const l = t as FixedSizeList;
      const c = l.children[0];
      if (c === undefined)
        throw new DatasetError('INVALID_SCHEMA', `${where}: list type without a child field`);
      return new Sequence(featureFromArrowType(c.type, `${where}.item`), l.listSize);
    }
    case Type.Struct: {
      const s: Record<string, FeatureType> = {};
      for (const c of (t as Struct).children)
        s[c.name] = featureFromArrowType(c.type, `${where}.${c.name}`);
      return s;
    }
    default:
      throw new DatasetError(
        'UNSUPPORTED_ARROW_TYPE',
        `${where}: Arrow type ${String(t)} has no datasets feature (supported: bool, ints, floats, utf8, binary, list, fixed_size_list, struct)`,
      );
  }
}

/** True when `f` is stored as exactly Arrow type `t`. */
export function arrowTypeMatches(f: FeatureType, t: DataType): boolean {
  return String(toArrowType(f)) === String(t) && sameStructure(f, t);
}

function sameStructure(f: FeatureType, t: DataType): boolean {
  if (f instanceof Sequence) {
    const c = t.children[0];
    return c !== undefined && sameStructure(f.feature, c.type);
  }
  if (f instanceof Value || f instanceof ClassLabel) return true;
  const names = Object.keys(f);
  const kids = t.children ?? [];
  return (
    kids.length === names.length &&
    kids.every((c, i) => c.name === names[i] && sameStructure(f[c.name] as FeatureType, c.type))
  );
}

// ---------------------------------------------------------------------------------------------
// Encoding and validation: JS value -> the value the Arrow builder takes.

export const INT_RANGE: Partial<Record<Dtype, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

/** Where a value sits, for error messages: `file`, `row`, `column` path. */
export interface Location {
  readonly file?: string;
  readonly row: number;
  readonly column: string;
}

export function describe(loc: Location): string {
  return `${loc.file === undefined ? '' : `${loc.file}: `}row ${loc.row}, column '${loc.column}'`;
}

function bad(
  loc: Location,
  expected: string,
  found: unknown,
  code = 'INVALID_VALUE',
): DatasetError {
  let shown: string;
  try {
    shown = typeof found === 'bigint' ? `${found}n` : (JSON.stringify(found) ?? String(found));
  } catch {
    shown = String(found);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return new DatasetError(code, `${describe(loc)}: expected ${expected}, found ${shown}`);
}

/**
 * Validates `v` against `f` and returns what the Arrow builder takes (bigint for 64-bit ints,
 * class indices for ClassLabel names). `null`/`undefined` stay null (Arrow fields are nullable,
 * as in pyarrow).
 */
export function encodeValue(f: FeatureType, v: unknown, loc: Location): unknown {
  if (v === null || v === undefined) return null;
  if (f instanceof ClassLabel) {
    let i: number;
    if (typeof v === 'string') {
      i = f.names.indexOf(v);
      if (i < 0) throw bad(loc, `a label in [${f.names.join(', ')}]`, v, 'LABEL_OUT_OF_RANGE');
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      i = Number(v);
      if (!Number.isInteger(i) || i < -1 || i >= f.names.length) {
        throw bad(
          loc,
          `a class index in [-1, ${f.names.length}) (-1 = no label) for ClassLabel(${f.names.join(', ')})`,
          v,
          'LABEL_OUT_OF_RANGE',
        );
      }
    } else {
      throw bad(loc, 'a class index or name', v);
    }
    return BigInt(i);
  }
  if (f instanceof Value) return encodeScalar(f.dtype, v, loc);
  if (f instanceof Sequence) {
    if (!isArrayLike(v))
      throw bad(loc, `a list (${f.length === -1 ? 'any length' : `length ${f.length}`})`, v);
    if (f.length !== -1 && v.length !== f.length)
      throw bad(loc, `a list of length ${f.length}`, `a list of length ${v.length}`);
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++)
      out[i] = encodeValue(f.feature, v[i], { ...loc, column: `${loc.column}[${i}]` });
    return out;
  }
  if (typeof v !== 'object' || Array.isArray(v))
    throw bad(loc, `a struct {${Object.keys(f).join(', ')}}`, v);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of Object.entries(f))
    out[k] = encodeValue(sub, o[k], { ...loc, column: `${loc.column}.${k}` });
  for (const k of Object.keys(o)) {
    if (!(k in f))
      throw bad(
        loc,
        `only the struct fields {${Object.keys(f).join(', ')}}`,
        `extra field '${k}'`,
        'UNEXPECTED_FIELD',
      );
  }
  return out;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function encodeScalar(dtype: Dtype, v: unknown, loc: Location): unknown {
  switch (dtype) {
    case 'null':
      throw bad(loc, 'null', v);
    case 'bool':
      if (typeof v !== 'boolean') throw bad(loc, 'a boolean', v);
      return v;
    case 'string':
    case 'large_string':
      if (typeof v !== 'string') throw bad(loc, 'a string', v);
      return v;
    case 'binary':
    case 'large_binary':
      if (!(v instanceof Uint8Array)) throw bad(loc, 'a Uint8Array', v);
      return v;
    case 'float16':
    case 'float32':
    case 'float64':
      if (typeof v === 'bigint') return Number(v);
      if (typeof v !== 'number') throw bad(loc, `a number (${dtype})`, v);
      return v;
    case 'int64':
    case 'uint64': {
      if (typeof v === 'bigint') return v;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(loc, `an integer (${dtype})`, v);
      if (dtype === 'uint64' && v < 0) throw bad(loc, 'a non-negative integer (uint64)', v);
      return BigInt(v);
    }
    default: {
      const n = typeof v === 'bigint' ? Number(v) : v;
      const range = INT_RANGE[dtype];
      if (
        typeof n !== 'number' ||
        !Number.isInteger(n) ||
        range === undefined ||
        n < range[0] ||
        n > range[1]
      ) {
        throw bad(loc, `an integer in ${dtype}'s range [${range?.[0]}, ${range?.[1]}]`, v);
      }
      return n;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Inference from JS values (HF's from_dict without features): ints -> int64, other numbers ->
// float64, strings -> string, booleans -> bool, arrays -> List, typed arrays -> List of their
// dtype, objects -> struct.

export function inferFeature(values: Iterable<unknown>, column: string): FeatureType {
  let found: FeatureType | undefined;
  let sawFloat = false;
  const lists: unknown[] = [];
  const structs: Record<string, unknown>[] = [];
  let kind: string | undefined;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    let k: string;
    if (typeof v === 'number') {
      k = 'number';
      if (!Number.isInteger(v)) sawFloat = true;
    } else if (typeof v === 'bigint') k = 'number';
    else if (typeof v === 'string') k = 'string';
    else if (typeof v === 'boolean') k = 'bool';
    else if (v instanceof Int32Array) k = 'int32[]';
    else if (v instanceof Float32Array) k = 'float32[]';
    else if (v instanceof Float64Array) k = 'float64[]';
    else if (v instanceof Uint8Array) k = 'binary';
    else if (Array.isArray(v)) {
      k = 'list';
      for (const x of v) lists.push(x);
    } else if (typeof v === 'object') {
      k = 'struct';
      structs.push(v as Record<string, unknown>);
    } else k = typeof v;
    if (kind !== undefined && kind !== k) {
      throw new DatasetError(
        'MIXED_TYPES',
        `column '${column}': mixed value types (${kind} and ${k}); pass explicit features`,
      );
    }
    kind = k;
  }
  switch (kind) {
    case undefined:
      return new Value('null');
    case 'number':
      found = new Value(sawFloat ? 'float64' : 'int64');
      break;
    case 'string':
      found = new Value('string');
      break;
    case 'bool':
      found = new Value('bool');
      break;
    case 'binary':
      found = new Value('binary');
      break;
    case 'int32[]':
      found = new Sequence(new Value('int32'));
      break;
    case 'float32[]':
      found = new Sequence(new Value('float32'));
      break;
    case 'float64[]':
      found = new Sequence(new Value('float64'));
      break;
    case 'list':
      found = new Sequence(inferFeature(lists, `${column}[]`));
      break;
    case 'struct': {
      const keys = new Set<string>();
      for (const s of structs) for (const k of Object.keys(s)) keys.add(k);
      const f: Record<string, FeatureType> = {};
      for (const k of keys)
        f[k] = inferFeature(
          structs.map((s) => s[k]),
          `${column}.${k}`,
        );
      found = f;
      break;
    }
    default:
      throw new DatasetError(
        'UNSUPPORTED_VALUE',
        `column '${column}': cannot store values of type ${kind}`,
      );
  }
  return found;
}

/** Features for a set of columns: given ones where known, inferred for the rest. */
export function inferFeatures(
  columns: Readonly<Record<string, readonly unknown[]>>,
  known: Features = {},
): Features {
  const out: Record<string, FeatureType> = {};
  for (const [k, vals] of Object.entries(columns)) out[k] = known[k] ?? inferFeature(vals, k);
  return out;
}

/** Python's `json.dumps(obj)` output (", " and ": " separators, non-ASCII escaped), so metadata
 * we write is byte-identical to HF's. */
export function pyJsonDumps(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyString(k)}: ${pyJsonDumps(x)}`)
    .join(', ')}}`;
}

function pyFloat(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s.replace(/e\+?/, 'e+').replace('e+-', 'e-') : `${s}.0`;
}

function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export type { Json };
