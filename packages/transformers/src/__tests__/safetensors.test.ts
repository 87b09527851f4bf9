import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadSafetensorsCheckpoint,
  MAX_HEADER_BYTES,
  parseSafetensors,
  readSafetensors,
  SAFE_WEIGHTS_INDEX_NAME,
  type SafetensorsTensor,
  saveSafetensorsCheckpoint,
  serializeSafetensors,
  TransformersError,
  writeSafetensors,
} from '../index.js';
import { FIXTURES } from './helpers.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'transformers-safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A raw file: 8-byte length, the header text as given, then `data` bytes. */
function rawFile(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(
    typeof header === 'string' ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectInvalid(bytes: Uint8Array, ...parts: string[]): void {
  try {
    parseSafetensors(bytes, 'evil.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(TransformersError);
    expect((err as TransformersError).code).toBe('INVALID_SAFETENSORS');
    expect((err as Error).message).toContain('evil.safetensors');
    for (const p of parts) expect((err as Error).message).toContain(p);
    return;
  }
  throw new Error('expected INVALID_SAFETENSORS');
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});

describe('safetensors reader (files written by Python safetensors)', () => {
  it('reads every dtype HF writes, F16 / BF16 upcast to float32', async () => {
    const file = path.join(FIXTURES, 'safetensors', 'all_dtypes.safetensors');
    const ref = JSON.parse(
      readFileSync(path.join(FIXTURES, 'safetensors', 'all_dtypes.json'), 'utf8'),
    ) as {
      shapes: Record<string, number[]>;
      values: Record<string, (number | string | null)[]>;
    };
    const { tensors, metadata } = await readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', note: 'dtype fixture' });
    const dtypes: Record<string, string> = {};
    for (const [name, t] of tensors) dtypes[name] = t.dtype;
    expect(dtypes).toEqual({
      f64: 'F64',
      f32: 'F32',
      f16: 'F16',
      bf16: 'BF16',
      i64: 'I64',
      i32: 'I32',
      i16: 'I16',
      i8: 'I8',
      u8: 'U8',
      bool: 'BOOL',
      empty: 'F32',
    });
    for (const [name, t] of tensors) {
      expect(t.shape, name).toEqual(ref.shapes[name]);
      const want = (ref.values[name] ?? []).map((v) =>
        v === null ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v,
      );
      if (name === 'i64') {
        expect([...(t.data as BigInt64Array)].map(Number)).toEqual(want);
        continue;
      }
      const got = Array.from(t.data as ArrayLike<number>, Number);
      if (name === 'f32') {
        expect(got).toEqual(want.map((v) => Math.fround(v as number)));
      } else {
        expect(got).toEqual(want);
      }
    }
    expect(tensors.get('f16')?.data).toBeInstanceOf(Float32Array);
    expect(tensors.get('bf16')?.data).toBeInstanceOf(Float32Array);
  });

  it('writes what it reads, byte for byte for the exact dtypes and value for value for F16 / BF16', async () => {
    const file = path.join(FIXTURES, 'safetensors', 'all_dtypes.safetensors');
    const a = await readSafetensors(file);
    const out = path.join(tmp, 'rewritten.safetensors');
    await writeSafetensors(out, a.tensors, a.metadata);
    const b = await readSafetensors(out);
    for (const [name, t] of a.tensors) {
      const u = b.tensors.get(name) as SafetensorsTensor;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      expect(Array.from(u.data as ArrayLike<number | bigint>)).toEqual(
        Array.from(t.data as ArrayLike<number | bigint>),
      );
    }
    // Header padded to 8 bytes so data is aligned, as the reference writer does.
    const raw = readFileSync(out);
    const n = Number(new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rounds float32 to F16 / BF16 to nearest even on write', () => {
    const data = new Float32Array([
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      70000,
      2 ** -25,
      1 + 2 ** -8 + 2 ** -9,
    ]);
    const write = (dtype: 'F16' | 'BF16') =>
      parseSafetensors(
        Buffer.concat(serializeSafetensors(new Map([['x', { dtype, shape: [5], data }]]))),
      ).tensors.get('x')?.data;
    expect([...(write('F16') as Float32Array)]).toEqual([
      1,
      1 + 2 * 2 ** -10,
      Infinity,
      0,
      1 + 2 ** -8 + 2 ** -9,
    ]);
    expect([...(write('BF16') as Float32Array)].slice(0, 1)).toEqual([1]);
    expect((write('BF16') as Float32Array)[4]).toBe(1 + 2 ** -7);
  });
});

describe('safetensors header validation (hostile files)', () => {
  const ok = rawFile({ a: f32([2], 0, 8) }, new Uint8Array(8));

  it('accepts a well-formed minimal file', () => {
    expect(parseSafetensors(ok).tensors.get('a')?.shape).toEqual([2]);
  });

  it('file shorter than the 8-byte length', () =>
    expectInvalid(new Uint8Array(5), 'shorter than the 8-byte'));

  it('header length past the end of the file', () =>
    expectInvalid(rawFile({}, new Uint8Array(0), 1000n), 'runs past the end'));

  it('header length above the 100 MB limit (no allocation)', () =>
    expectInvalid(
      rawFile({}, new Uint8Array(0), 2n ** 63n),
      `exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    ));

  it('header that is not JSON / not an object / not UTF-8', () => {
    expectInvalid(rawFile('{"a": '), 'not valid UTF-8 JSON');
    expectInvalid(rawFile('[1, 2]'), 'not a JSON object');
    const bytes = rawFile('{"a":1}');
    bytes[10] = 0xff;
    expectInvalid(bytes, 'not valid UTF-8 JSON');
  });

  it('unknown dtype', () =>
    expectInvalid(
      rawFile({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      'F8_E4M3',
    ));

  it('bad shape and offsets', () => {
    expectInvalid(rawFile({ a: f32([-1], 0, 4) }, new Uint8Array(4)), 'shape');
    expectInvalid(
      rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)),
      'data_offsets',
    );
    expectInvalid(rawFile({ a: f32([1], 4, 0) }, new Uint8Array(4)), 'end before they begin');
  });

  it('offsets outside the data section', () =>
    expectInvalid(rawFile({ a: f32([4], 0, 16) }, new Uint8Array(8)), 'run past the data section'));

  it('dtype size * shape != byte length (and huge shapes do not overflow)', () => {
    expectInvalid(rawFile({ a: f32([3], 0, 8) }, new Uint8Array(8)), 'needs', '12 bytes', 'span 8');
    expectInvalid(
      rawFile({ a: f32([2 ** 52, 2 ** 52, 2 ** 52], 0, 8) }, new Uint8Array(8)),
      'needs more than',
    );
  });

  it('overlapping tensors', () =>
    expectInvalid(
      rawFile({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, new Uint8Array(8)),
      "'b'",
      'overlaps',
      "'a'",
    ));

  it('a hole in the data section, and trailing bytes', () => {
    expectInvalid(
      rawFile({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)),
      'belong to no tensor',
    );
    expectInvalid(
      rawFile({ a: f32([1], 0, 4) }, new Uint8Array(12)),
      'truncated or has trailing bytes',
    );
  });

  it('__metadata__ values must be strings', () =>
    expectInvalid(rawFile({ __metadata__: { format: 1 } }), '__metadata__.format'));

  it('the file reader validates before reading the data section', async () => {
    const file = path.join(tmp, 'evil.safetensors');
    writeFileSync(file, rawFile({}, new Uint8Array(0), 10n ** 12n));
    await expect(readSafetensors(file)).rejects.toMatchObject({ code: 'INVALID_SAFETENSORS' });
    await expect(readSafetensors(path.join(tmp, 'missing.safetensors'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });

  it('the writer rejects a data length that does not match the shape', () => {
    expect(() =>
      serializeSafetensors(
        new Map([['x', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]]),
      ),
    ).toThrow(/shape \[3\] holds 3 values but 2 were given/);
  });
});

describe('sharded checkpoints', () => {
  const tensors = new Map<string, SafetensorsTensor>([
    [
      'a.weight',
      { dtype: 'F32', shape: [4, 4], data: Float32Array.from({ length: 16 }, (_, i) => i) },
    ],
    [
      'b.weight',
      { dtype: 'F32', shape: [4, 4], data: Float32Array.from({ length: 16 }, (_, i) => -i) },
    ],
    ['c.bias', { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) }],
  ]);

  it('splits by size with HF names and an index, and loads back', async () => {
    const dir = path.join(tmp, 'sharded');
    await saveSafetensorsCheckpoint(dir, tensors, { maxShardBytes: 80 });
    expect(readdirSync(dir).sort()).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      SAFE_WEIGHTS_INDEX_NAME,
    ]);
    const index = JSON.parse(readFileSync(path.join(dir, SAFE_WEIGHTS_INDEX_NAME), 'utf8'));
    expect(index).toEqual({
      metadata: { total_size: 144 },
      weight_map: {
        'a.weight': 'model-00001-of-00002.safetensors',
        'b.weight': 'model-00002-of-00002.safetensors',
        'c.bias': 'model-00002-of-00002.safetensors',
      },
    });
    const back = await loadSafetensorsCheckpoint(dir);
    expect([...back.keys()].sort()).toEqual(['a.weight', 'b.weight', 'c.bias']);
    expect(Array.from(back.get('b.weight')?.data as Float32Array)).toEqual(
      Array.from(tensors.get('b.weight')?.data as Float32Array),
    );
    // Saving unsharded afterwards removes the stale index.
    await saveSafetensorsCheckpoint(dir, tensors);
    expect(existsSync(path.join(dir, SAFE_WEIGHTS_INDEX_NAME))).toBe(false);
  });

  it('rejects an index naming a tensor its shard lacks, or a path outside the folder', async () => {
    const dir = path.join(tmp, 'badindex');
    await saveSafetensorsCheckpoint(dir, tensors, { maxShardBytes: 80 });
    const indexFile = path.join(dir, SAFE_WEIGHTS_INDEX_NAME);
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.weight_map['a.weight'] = 'model-00002-of-00002.safetensors';
    writeFileSync(indexFile, JSON.stringify(index));
    await expect(loadSafetensorsCheckpoint(dir)).rejects.toThrow(
      /weight_map puts 'a.weight' in model-00002-of-00002.safetensors/,
    );
    index.weight_map['a.weight'] = '../../etc/passwd';
    writeFileSync(indexFile, JSON.stringify(index));
    await expect(loadSafetensorsCheckpoint(dir)).rejects.toMatchObject({
      code: 'INVALID_CHECKPOINT',
    });
  });

  it('a folder without weights names what it found', async () => {
    const dir = path.join(tmp, 'legacy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'pytorch_model.bin'), 'x');
    await expect(loadSafetensorsCheckpoint(dir)).rejects.toThrow(
      /neither model.safetensors nor model.safetensors.index.json found \(found pytorch_model.bin/,
    );
  });
});
