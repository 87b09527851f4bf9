/**
 * Fingerprints: every Dataset carries one; a transform's result gets
 *   fingerprint = sha256(parent fingerprint, transform name, canonical args)[:16 hex]
 * (HF uses xxhash64 of the pickled arguments; the idea is the same, the bytes are ours).
 * Canonical args: JSON with sorted keys; functions by their source text. When an argument
 * cannot be hashed (a native or bound function, a symbol, a cycle) this throws: a random
 * fingerprint would silently disable or, worse, poison the cache (HF's fingerprint.py falls back
 * to a random hash; we do not).
 */
import { createHash } from 'node:crypto';
import { DatasetError } from './errors.js';

export class UnhashableError extends DatasetError {}

function canonical(v: unknown, path: string, seen: Set<object>): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') {
    const src = Function.prototype.toString.call(v);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
      throw new DatasetError(
        'UNHASHABLE_ARGUMENT',
        `${path}: cannot fingerprint a native or bound function (${v.name || 'anonymous'}): its source is not available. Pass { cacheKey: '<a string that changes when the function does>' }, or { cache: false }`,
      );
    }
    return `fn:${src}`;
  }
  if (typeof v === 'symbol') {
    throw new DatasetError(
      'UNHASHABLE_ARGUMENT',
      `${path}: cannot fingerprint a symbol; pass { cacheKey }`,
    );
  }
  if (ArrayBuffer.isView(v)) {
    const b = v as ArrayBufferView;
    return `${v.constructor.name}:${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')}`;
  }
  if (seen.has(v))
    throw new DatasetError(
      'UNHASHABLE_ARGUMENT',
      `${path}: cyclic value cannot be fingerprinted; pass { cacheKey }`,
    );
  seen.add(v);
  try {
    if (Array.isArray(v))
      return `[${v.map((x, i) => canonical(x, `${path}[${i}]`, seen)).join(',')}]`;
    const proto = Object.getPrototypeOf(v) as object | null;
    const tag =
      proto === Object.prototype || proto === null
        ? ''
        : `${(v as object).constructor?.name ?? ''}`;
    const keys = Object.keys(v).sort();
    return `${tag}{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k], `${path}.${k}`, seen)}`).join(',')}}`;
  } finally {
    seen.delete(v);
  }
}

/** sha256 of the canonical form of `parts`, 16 hex chars. */
export function fingerprintOf(parent: string, transform: string, args: unknown): string {
  const h = createHash('sha256');
  h.update(parent);
  h.update('\0');
  h.update(transform);
  h.update('\0');
  h.update(canonical(args, transform, new Set()));
  return h.digest('hex').slice(0, 16);
}

/** Fingerprint of data with no parent (records, files): hash of a description of the source. */
export function sourceFingerprint(description: unknown): string {
  return fingerprintOf('', 'source', description);
}
