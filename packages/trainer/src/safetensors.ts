import { TrainerError } from './errors.js';

// A minimal safetensors reader/writer for the trainer's own files (optimizer state) and for reading
// model.safetensors on resume. F32 and I32/I64 only. Format: u64 LE header length, JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {str: str}} padded with spaces to
// a multiple of 8, then the raw little-endian data.

export interface StoredTensor {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Serialises tensors (in the given order) and string metadata into safetensors bytes. */
export function encodeSafetensors(
  tensors: Map<string, StoredTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses safetensors bytes; `file` names the source in errors. F16/BF16/F64 are refused. */
export function decodeSafetensors(
  bytes: Uint8Array,
  file: string,
): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  const fail = (what: string): TrainerError =>
    new TrainerError(
      'BAD_CHECKPOINT',
      `${file}: ${what}; the file is not a valid safetensors file`,
    );
  if (bytes.length < 8) throw fail(`only ${bytes.length} bytes, expected at least 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) throw fail(`header length ${n} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch (e) {
    throw fail(`header is not JSON (${(e as Error).message})`);
  }
  const base = 8 + n;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const [begin, end] = e.data_offsets ?? [-1, -1];
    if (!Array.isArray(e.shape) || begin < 0 || end < begin || base + end > bytes.length) {
      throw fail(`tensor '${name}' has a bad shape or data_offsets`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    const raw = bytes.slice(base + begin, base + end);
    let data: Float32Array | Int32Array;
    let dtype: 'F32' | 'I32';
    if (e.dtype === 'F32') {
      data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      dtype = 'F32';
    } else if (e.dtype === 'I32') {
      data = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      dtype = 'I32';
    } else if (e.dtype === 'I64') {
      const big = new BigInt64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
      data = Int32Array.from(big, (x) => Number(x));
      dtype = 'I32';
    } else {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${file}: tensor '${name}' has dtype ${e.dtype}; the trainer reads F32, I32 and I64 (save the model in float32)`,
      );
    }
    if (data.length !== count) {
      throw fail(`tensor '${name}' holds ${data.length} values, shape [${e.shape}] needs ${count}`);
    }
    tensors.set(name, { dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
