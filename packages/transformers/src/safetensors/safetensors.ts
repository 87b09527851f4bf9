import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { TransformersError } from '../errors.js';
import { writeFileAtomic } from '../utils/fs.js';
import {
  DTYPE_SIZES,
  floatToBf16,
  floatToHalf,
  halfToFloat,
  isDtype,
  type SafetensorsData,
  type SafetensorsDtype,
} from './dtypes.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors):
 *
 *   [8 bytes: N, u64 little-endian] [N bytes: JSON header] [data section]
 *
 * header = { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
 *            "__metadata__": { "format": "pt" } }   (offsets are relative to the data section)
 *
 * A file is trusted for nothing: N is bounded by the file size and by MAX_HEADER_BYTES before
 * anything is allocated, every tensor must lie inside the data section, the tensors must tile
 * it exactly (no overlap, no hole: what the reference reader enforces), and
 * product(shape) * dtype size must equal the byte length.
 */

/** Same bound as the reference implementation (100 MB of JSON header). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor: file dtype, shape, and its values (F16 / BF16 already upcast to float32). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

export interface SafetensorsFile {
  /** `__metadata__` string map, e.g. `{ format: 'pt' }`; empty when the file has none. */
  metadata: Record<string, string>;
  /** Tensors by name, in the order of their offsets in the file. */
  tensors: Map<string, SafetensorsTensor>;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

if (endianness() !== 'LE') {
  // Typed-array views below assume the host byte order is the file's (little-endian).
  throw new TransformersError(
    'UNSUPPORTED_PLATFORM',
    'safetensors: big-endian hosts are not supported',
  );
}

function bad(source: string, what: string): never {
  throw new TransformersError('INVALID_SAFETENSORS', `${source}: ${what}`);
}

/** Reads N from the first 8 bytes and checks it against the size before anything is allocated. */
function headerLength(prefix: Uint8Array, totalSize: number, source: string): number {
  if (totalSize < 8)
    bad(source, `file is ${totalSize} bytes, shorter than the 8-byte header length`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    bad(source, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const len = Number(n);
  if (len > totalSize - 8)
    bad(source, `header length ${len} runs past the end of the file (${totalSize} bytes)`);
  if (len < 2) bad(source, `header length ${len} is too small for a JSON object`);
  return len;
}

/** Parses and validates the JSON header against the data section length. */
function parseHeader(
  json: Uint8Array,
  dataLength: number,
  source: string,
): { metadata: Record<string, string>; entries: HeaderEntry[] } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    bad(source, `header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    bad(source, 'header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        bad(source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string')
          bad(source, `__metadata__.${k} must be a string, found ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null)
      bad(source, `tensor '${name}': entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (!isDtype(dtype)) {
      bad(
        source,
        `tensor '${name}': dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_SIZES).join(', ')}`,
      );
    }
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      bad(
        source,
        `tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
    ) {
      bad(
        source,
        `tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end] with integers >= 0`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin)
      bad(source, `tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) {
      bad(
        source,
        `tensor '${name}': data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`,
      );
    }
    // product(shape) * size, stopping as soon as it exceeds the byte length (no overflow).
    let bytes: number = DTYPE_SIZES[dtype];
    for (const d of shape as number[]) {
      bytes *= d;
      if (bytes > end - begin) break;
    }
    if (bytes !== end - begin) {
      bad(
        source,
        `tensor '${name}': ${dtype} shape [${(shape as number[]).join(', ')}] needs ${bytes > end - begin ? 'more than ' : ''}${bytes} bytes but data_offsets span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: [...(shape as number[])], begin, end });
  }
  // The tensors must tile the data section: sorted by begin, each starts where the last ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < cursor)
      bad(
        source,
        `tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps tensor '${prev}' (ends at ${cursor})`,
      );
    if (e.begin > cursor)
      bad(
        source,
        `bytes ${cursor}..${e.begin} of the data section belong to no tensor (before '${e.name}')`,
      );
    cursor = e.end;
    prev = e.name;
  }
  if (cursor !== dataLength) {
    bad(
      source,
      `data section is ${dataLength} bytes but the tensors cover ${cursor}; the file is truncated or has trailing bytes`,
    );
  }
  return { metadata, entries };
}

/** Copies (for alignment) and decodes one tensor's bytes. */
function decode(dtype: SafetensorsDtype, bytes: Uint8Array): SafetensorsData {
  // A fresh, aligned ArrayBuffer of exactly this tensor (Buffer#slice would share Node's pool).
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const buf = copy.buffer;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i] as number);
      return out;
    }
    case 'BF16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      const o32 = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) o32[i] = (h[i] as number) << 16;
      return out;
    }
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return copy;
  }
}

/**
 * Parses a whole safetensors file already in memory.
 *
 * @example
 * parseSafetensors(serializeSafetensors(new Map([['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]])))
 *   .tensors.get('w')?.data // Float32Array [1, 2]
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = '<safetensors bytes>',
): SafetensorsFile {
  const n = headerLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const dataStart = 8 + n;
  const { metadata, entries } = parseHeader(
    bytes.subarray(8, dataStart),
    bytes.byteLength - dataStart,
    source,
  );
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: decode(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end)),
    });
  }
  return { metadata, tensors };
}

/**
 * Reads a safetensors file. The header length is checked against the file size before the
 * header is read, and the header is validated before the data section is read.
 */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'IO_ERROR';
    throw new TransformersError(code, `${file}: cannot open (${(err as Error).message})`, {
      cause: err,
    });
  }
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    await handle.read(prefix, 0, Math.min(8, size), 0);
    const n = headerLength(prefix, size, file);
    const json = new Uint8Array(n);
    await handle.read(json, 0, n, 8);
    const dataLength = size - 8 - n;
    const { metadata, entries } = parseHeader(json, dataLength, file);
    const data = new Uint8Array(dataLength);
    let off = 0;
    while (off < dataLength) {
      const { bytesRead } = await handle.read(data, off, dataLength - off, 8 + n + off);
      if (bytesRead === 0)
        bad(file, `file shrank while reading (got ${off} of ${dataLength} data bytes)`);
      off += bytesRead;
    }
    const tensors = new Map<string, SafetensorsTensor>();
    for (const e of entries)
      tensors.set(e.name, {
        dtype: e.dtype,
        shape: e.shape,
        data: decode(e.dtype, data.subarray(e.begin, e.end)),
      });
    return { metadata, tensors };
  } finally {
    await handle.close();
  }
}

/** Encodes one tensor's values as the bytes of `dtype`. */
function encode(name: string, t: SafetensorsTensor): Uint8Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new TransformersError(
      'INVALID_TENSOR',
      `tensor '${name}': shape [${t.shape.join(', ')}] holds ${count} values but ${t.data.length} were given`,
    );
  }
  const expect = (ok: boolean, kind: string): void => {
    if (!ok)
      throw new TransformersError(
        'INVALID_TENSOR',
        `tensor '${name}': dtype ${t.dtype} needs a ${kind}, found ${t.data.constructor.name}`,
      );
  };
  const asBytes = (a: ArrayBufferView): Uint8Array =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (t.dtype) {
    case 'F64':
      return asBytes(
        t.data instanceof Float64Array ? t.data : Float64Array.from(t.data as Float32Array),
      );
    case 'F32':
      expect(t.data instanceof Float32Array, 'Float32Array');
      return asBytes(t.data);
    case 'F16':
    case 'BF16': {
      expect(t.data instanceof Float32Array, 'Float32Array');
      const src = t.data as Float32Array;
      const out = new Uint16Array(src.length);
      const conv = t.dtype === 'F16' ? floatToHalf : floatToBf16;
      for (let i = 0; i < src.length; i++) out[i] = conv(src[i] as number);
      return asBytes(out);
    }
    case 'I64':
      expect(t.data instanceof BigInt64Array, 'BigInt64Array');
      return asBytes(t.data);
    case 'I32':
      expect(t.data instanceof Int32Array, 'Int32Array');
      return asBytes(t.data);
    case 'I16':
      expect(t.data instanceof Int16Array, 'Int16Array');
      return asBytes(t.data);
    case 'I8':
      expect(t.data instanceof Int8Array, 'Int8Array');
      return asBytes(t.data);
    case 'U8':
    case 'BOOL':
      expect(t.data instanceof Uint8Array, 'Uint8Array');
      return asBytes(t.data);
  }
}

/**
 * Serializes tensors (in the map's order) into safetensors chunks: the 8-byte length, the JSON
 * header padded with spaces to a multiple of 8 (as the reference writer does, so data stays
 * aligned), then each tensor's bytes.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__')
      throw new TransformersError('INVALID_TENSOR', "a tensor cannot be named '__metadata__'");
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TransformersError(
        'INVALID_TENSOR',
        `tensor '${name}': shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`,
      );
    }
    const bytes = encode(name, t);
    header[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytesLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytesLen % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  return [prefix, jsonBytes, ...chunks];
}

/** Writes a safetensors file atomically (temp file, fsync, rename). */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}
