import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { TransformersError } from '../errors.js';
import { fileExists, readJsonFile, writeFileAtomic } from '../utils/fs.js';
import { DTYPE_SIZES } from './dtypes.js';
import { readSafetensors, type SafetensorsTensor, serializeSafetensors } from './safetensors.js';

export const SAFE_WEIGHTS_NAME = 'model.safetensors';
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';

/**
 * Loads every tensor of a model folder: `model.safetensors`, or the shards listed by
 * `model.safetensors.index.json` ({ metadata: { total_size }, weight_map: { name: file } }).
 * A shard may only hold the tensors the index assigns to it.
 */
export async function loadSafetensorsCheckpoint(
  dir: string,
): Promise<Map<string, SafetensorsTensor>> {
  const single = path.join(dir, SAFE_WEIGHTS_NAME);
  if (await fileExists(single)) return (await readSafetensors(single)).tensors;
  const indexFile = path.join(dir, SAFE_WEIGHTS_INDEX_NAME);
  if (!(await fileExists(indexFile))) {
    const legacy = ['pytorch_model.bin', 'tf_model.h5'];
    const found: string[] = [];
    for (const f of legacy) if (await fileExists(path.join(dir, f))) found.push(f);
    throw new TransformersError(
      'FILE_NOT_FOUND',
      `${dir}: neither ${SAFE_WEIGHTS_NAME} nor ${SAFE_WEIGHTS_INDEX_NAME} found${
        found.length
          ? ` (found ${found.join(', ')}: convert it with HF Python, model.save_pretrained(dir, safe_serialization=True))`
          : ''
      }`,
    );
  }
  const index = await readJsonFile(indexFile);
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new TransformersError(
      'INVALID_CHECKPOINT',
      `${indexFile}: field 'weight_map' must be an object { tensor name: shard file }`,
    );
  }
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (
      typeof shard !== 'string' ||
      shard.includes('/') ||
      shard.includes('\\') ||
      shard.startsWith('.')
    ) {
      throw new TransformersError(
        'INVALID_CHECKPOINT',
        `${indexFile}: weight_map['${name}'] must be a shard file name in the same folder, found ${JSON.stringify(shard)}`,
      );
    }
    const set = byShard.get(shard) ?? new Set<string>();
    set.add(name);
    byShard.set(shard, set);
  }
  const out = new Map<string, SafetensorsTensor>();
  for (const [shard, names] of byShard) {
    const file = path.join(dir, shard);
    const { tensors } = await readSafetensors(file);
    for (const name of names) {
      const t = tensors.get(name);
      if (!t)
        throw new TransformersError(
          'INVALID_CHECKPOINT',
          `${indexFile}: weight_map puts '${name}' in ${shard}, but ${file} has no such tensor`,
        );
      out.set(name, t);
    }
    for (const name of tensors.keys()) {
      if (!names.has(name))
        throw new TransformersError(
          'INVALID_CHECKPOINT',
          `${file}: holds '${name}', which ${indexFile} does not assign to this shard`,
        );
    }
  }
  return out;
}

/**
 * Writes tensors into `dir` as `model.safetensors`, or, when they exceed `maxShardBytes`, as
 * `model-0000i-of-0000n.safetensors` + `model.safetensors.index.json` (HF's names). Each file is
 * written atomically; the index is written last so a reader never sees it before its shards.
 */
export async function saveSafetensorsCheckpoint(
  dir: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  options: { metadata?: Record<string, string>; maxShardBytes?: number } = {},
): Promise<void> {
  const metadata = options.metadata ?? { format: 'pt' };
  const max = options.maxShardBytes ?? Number.POSITIVE_INFINITY;
  const sizeOf = (t: SafetensorsTensor): number =>
    t.shape.reduce((a, b) => a * b, DTYPE_SIZES[t.dtype]);
  // Greedy split in order, as HF's split_torch_state_dict_into_shards does.
  const shards: Map<string, SafetensorsTensor>[] = [];
  let current = new Map<string, SafetensorsTensor>();
  let currentBytes = 0;
  let total = 0;
  for (const [name, t] of tensors) {
    const size = sizeOf(t);
    if (current.size > 0 && currentBytes + size > max) {
      shards.push(current);
      current = new Map();
      currentBytes = 0;
    }
    current.set(name, t);
    currentBytes += size;
    total += size;
  }
  shards.push(current);
  if (shards.length === 1) {
    await writeFileAtomic(
      path.join(dir, SAFE_WEIGHTS_NAME),
      serializeSafetensors(tensors, metadata),
    );
    // A stale index from an earlier sharded save would otherwise describe other weights.
    await fsp.rm(path.join(dir, SAFE_WEIGHTS_INDEX_NAME), { force: true });
    return;
  }
  const n = shards.length;
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    await writeFileAtomic(path.join(dir, file), serializeSafetensors(shard, metadata));
    for (const name of shard.keys()) weightMap[name] = file;
  }
  const index = { metadata: { total_size: total }, weight_map: weightMap };
  await writeFileAtomic(
    path.join(dir, SAFE_WEIGHTS_INDEX_NAME),
    `${JSON.stringify(index, null, 2)}\n`,
  );
  // model.safetensors wins over the index on load: drop a stale one from an earlier save.
  await fsp.rm(path.join(dir, SAFE_WEIGHTS_NAME), { force: true });
}
