/**
 * Output formats of a Dataset's batches:
 *   'js'    -> { column: value[] }
 *   'arrow' -> an apache-arrow Table (the batch's rows)
 *   'tfjs'  -> { column: tf.Tensor }: int columns -> int32 [B], float columns -> float32 [B],
 *              list-of-number columns padded with 0 to the batch's longest row -> int32 /
 *              float32 [B, T]. `label` is renamed `labels`, the name the trainer (and HF's
 *              data collators) use. The caller owns the tensors (dispose them, or run inside
 *              tf.tidy).
 */
import { createRequire } from 'node:module';
import type * as TfType from '@tensorflow/tfjs';
import { DatasetError } from './errors.js';
import { ClassLabel, type Features, type FeatureType, Sequence, Value } from './features.js';

export type FormatType = 'js' | 'arrow' | 'tfjs';

export interface Format {
  readonly type: FormatType;
  /** Columns to output; undefined = all. */
  readonly columns: readonly string[] | undefined;
}

let tfModule: typeof TfType | undefined;
/** @tensorflow/tfjs, loaded on first use (importing it costs ~0.5 s). */
function tf(): typeof TfType {
  tfModule ??= createRequire(import.meta.url)('@tensorflow/tfjs') as typeof TfType;
  return tfModule;
}

const FLOAT_DTYPES = new Set(['float16', 'float32', 'float64']);
const INT_DTYPES = new Set([
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
]);

function numericKind(f: FeatureType): 'int' | 'float' | undefined {
  if (f instanceof ClassLabel) return 'int';
  if (f instanceof Value)
    return FLOAT_DTYPES.has(f.dtype) ? 'float' : INT_DTYPES.has(f.dtype) ? 'int' : undefined;
  return undefined;
}

/** Converts one 'js' batch into tensors (see the module comment). */
export function toTensors(
  batch: Readonly<Record<string, readonly unknown[]>>,
  features: Features,
): Record<string, TfType.Tensor> {
  const t = tf();
  const out: Record<string, TfType.Tensor> = {};
  try {
    for (const [name, values] of Object.entries(batch)) {
      const f = features[name];
      const key = name === 'label' ? 'labels' : name;
      if (f === undefined)
        throw new DatasetError('MISSING_COLUMN', `tfjs format: no feature for column '${name}'`);
      const scalar = numericKind(f);
      if (scalar !== undefined) {
        const arr =
          scalar === 'int'
            ? Int32Array.from(values as number[], (v) => Number(v ?? 0))
            : Float32Array.from(values as number[], (v) => Number(v ?? Number.NaN));
        out[key] = t.tensor1d(arr, scalar === 'int' ? 'int32' : 'float32');
        continue;
      }
      const inner = f instanceof Sequence ? numericKind(f.feature) : undefined;
      if (inner === undefined) {
        throw new DatasetError(
          'UNSUPPORTED_FORMAT',
          `tfjs format: column '${name}' (${JSON.stringify(f)}) is not numeric or a list of numbers; choose columns with withFormat('tfjs', [...columns])`,
        );
      }
      // [B, T]: right-padded with 0 to the longest row of this batch.
      let width = 0;
      for (const v of values) width = Math.max(width, (v as ArrayLike<number> | null)?.length ?? 0);
      const arr =
        inner === 'int'
          ? new Int32Array(values.length * width)
          : new Float32Array(values.length * width);
      values.forEach((v, i) => {
        const row = (v ?? []) as ArrayLike<number>;
        for (let j = 0; j < row.length; j++) arr[i * width + j] = Number(row[j]);
      });
      out[key] = t.tensor2d(arr, [values.length, width], inner === 'int' ? 'int32' : 'float32');
    }
  } catch (e) {
    for (const x of Object.values(out)) x.dispose();
    throw e;
  }
  return out;
}
