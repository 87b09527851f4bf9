/**
 * numpy's default generator, so `shuffle({ seed })` and `trainTestSplit({ seed })` give the same
 * order as HF datasets (which calls `np.random.default_rng(seed).permutation(n)`):
 *
 *   seed -> SeedSequence (entropy pool of 4 uint32, hashmix/mix) -> generate_state(4 x uint64)
 *        -> PCG64 (128-bit LCG, XSL-RR output) seeded with state = s0:s1, inc = s2:s3
 *   permutation(n) = Fisher-Yates from the end, j = random_interval(i): the smallest all-ones
 *   mask >= i, rejection on 32-bit draws (two per 64-bit output, low half first).
 *
 * The 128-bit LCG runs on 16-bit limbs in doubles (exact); BigInt only seeds it.
 */
const M32 = 0xffffffff;
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/** numpy.random.SeedSequence(seed).generate_state(nWords, uint32). */
export function seedSequenceState(seed: number | bigint, nWords: number): Uint32Array {
  let x = BigInt(seed);
  if (x < 0n) throw new RangeError(`seed must be non-negative, got ${seed}`);
  // 1. Entropy as little-endian uint32 words (0 -> [0]).
  const entropy: number[] = [];
  do {
    entropy.push(Number(x & 0xffffffffn));
    x >>= 32n;
  } while (x > 0n);
  // 2. Mix into the pool.
  let hashConst = INIT_A;
  const hashmix = (v: number): number => {
    let value = (v ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (a: number, b: number): number => {
    const r = (Math.imul(MIX_MULT_L, a) - Math.imul(MIX_MULT_R, b)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool = new Array<number>(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++)
    pool[i] = hashmix(i < entropy.length ? (entropy[i] as number) : 0);
  for (let s = 0; s < POOL_SIZE; s++) {
    for (let d = 0; d < POOL_SIZE; d++) {
      if (s !== d) pool[d] = mix(pool[d] as number, hashmix(pool[s] as number));
    }
  }
  for (let s = POOL_SIZE; s < entropy.length; s++) {
    for (let d = 0; d < POOL_SIZE; d++)
      pool[d] = mix(pool[d] as number, hashmix(entropy[s] as number));
  }
  // 3. generate_state.
  const out = new Uint32Array(nWords);
  let hc = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = ((pool[i % POOL_SIZE] as number) ^ hc) >>> 0;
    hc = Math.imul(hc, MULT_B) >>> 0;
    v = Math.imul(v, hc) >>> 0;
    out[i] = (v ^ (v >>> 16)) >>> 0;
  }
  return out;
}

const MASK128 = (1n << 128n) - 1n;
const PCG_MULT = (2549297995355413924n << 64n) + 4865540595714422341n;

/** A 128-bit value as 8 little-endian 16-bit limbs (exact in doubles: limb products < 2^32). */
function toLimbs(x: bigint): Float64Array {
  const l = new Float64Array(8);
  for (let i = 0; i < 8; i++) l[i] = Number((x >> BigInt(16 * i)) & 0xffffn);
  return l;
}
const MULT_LIMBS = toLimbs(PCG_MULT);

/** numpy's PCG64 bit generator seeded through SeedSequence, with its 32-bit buffering. */
export class Rng {
  readonly #s: Float64Array;
  readonly #inc: Float64Array;
  readonly #tmp = new Float64Array(8);
  #spare: number | undefined;

  constructor(seed: number | bigint) {
    const w = seedSequenceState(seed, 8);
    const u64 = (i: number) => (BigInt(w[2 * i + 1] as number) << 32n) | BigInt(w[2 * i] as number);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    // pcg_setseq_128_srandom_r: state = 0, inc = seq << 1 | 1, step, state += init, step.
    const inc = ((initSeq << 1n) | 1n) & MASK128;
    let st = inc & MASK128; // step from 0: 0 * M + inc
    st = (st + initState) & MASK128;
    this.#s = toLimbs(st);
    this.#inc = toLimbs(inc);
    this.#step();
  }

  /** state = state * MULT + inc (mod 2^128), schoolbook on 16-bit limbs. */
  #step(): void {
    const a = this.#s;
    const m = MULT_LIMBS;
    const c = this.#inc;
    const r = this.#tmp;
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let sum = carry + (c[k] as number);
      for (let i = 0; i <= k; i++) sum += (a[i] as number) * (m[k - i] as number);
      const low = sum % 65536;
      r[k] = low;
      carry = (sum - low) / 65536;
    }
    a.set(r);
  }

  /** Next 64-bit output (XSL-RR), as [low 32, high 32]. */
  #next64(): [number, number] {
    this.#step();
    const a = this.#s;
    // xored = high 64 ^ low 64; rot = state >> 122 (top 6 bits).
    let lo =
      (((a[0] as number) ^ (a[4] as number)) | (((a[1] as number) ^ (a[5] as number)) << 16)) >>> 0;
    let hi =
      (((a[2] as number) ^ (a[6] as number)) | (((a[3] as number) ^ (a[7] as number)) << 16)) >>> 0;
    let rot = (a[7] as number) >>> 10;
    if (rot >= 32) {
      const t = lo;
      lo = hi;
      hi = t;
      rot -= 32;
    }
    if (rot === 0) return [lo, hi];
    return [((lo >>> rot) | (hi << (32 - rot))) >>> 0, ((hi >>> rot) | (lo << (32 - rot))) >>> 0];
  }

  /** numpy's next_uint32: the low half of a 64-bit draw, then its high half. */
  nextU32(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    const [lo, hi] = this.#next64();
    this.#spare = hi;
    return lo;
  }

  /** numpy's random_interval(max): uniform in [0, max] by masked rejection (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextU32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return this.interval(n - 1);
  }

  /** `np.random.default_rng(seed).permutation(n)`. */
  permutation(n: number): Uint32Array {
    if (n > M32) throw new RangeError(`permutation: n = ${n} is beyond 2^32`);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }
}
