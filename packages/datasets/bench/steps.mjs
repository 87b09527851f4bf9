// One timed step of bench.mjs, in its own process so RSS figures are its own. Prints JSON.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, loadGlue } from '../dist/index.js';

const [step, work] = process.argv.slice(2);
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const now = () => performance.now();
const out = {};

async function tokenizer() {
  try {
    const mod = await import('@transferjs/tokenizers-native');
    if (typeof mod.Tokenizer !== 'function') return undefined;
    const tok = mod.Tokenizer.fromVocab(join(work, 'vocab.txt'));
    tok.setTruncation({ maxLength: 128 });
    return tok;
  } catch {
    return undefined;
  }
}

if (step === 'load') {
  for (const [task, name] of [
    ['sst2', 'sst2'],
    ['mnli', 'mnli'],
  ]) {
    const t = now();
    const dd = await loadGlue(task, { dataDir: join(work, 'glue_data'), splits: ['train'] });
    out[`load_${name}_tsv_ms`] = now() - t;
    const dir = join(work, `ours_saved_${name}`);
    rmSync(dir, { recursive: true, force: true });
    await dd.get('train').saveToDisk(dir);
  }
} else if (step === 'reopen') {
  // Warm the code paths (HF's process has run load_dataset before its reopen) on another file.
  await Dataset.loadFromDisk(join(work, 'ours_tokenized_sst2'));
  for (const name of ['sst2', 'mnli']) {
    // RSS growth of the first open; time = median of 5 opens (the machine is shared and noisy).
    const times = [];
    for (let k = 0; k < 5; k++) {
      global.gc?.();
      const r0 = rssMb();
      const t = now();
      const ds = await Dataset.loadFromDisk(join(work, `ours_saved_${name}`));
      times.push(now() - t);
      if (k === 0) out[`reopen_${name}_rss_mb`] = rssMb() - r0;
      if (ds.numRows === 0) throw new Error('empty');
    }
    out[`reopen_${name}_ms`] = times.sort((a, b) => a - b)[2];
  }
} else if (step === 'map') {
  const ds = await Dataset.loadFromDisk(join(work, 'ours_saved_sst2'));
  const tok = await tokenizer();
  out.tokenizer = tok
    ? '@transferjs/tokenizers-native Tokenizer.fromVocab, encodeBatch'
    : 'NONE (Tokenizer class missing): map timed with a whitespace split';
  const t = now();
  const mapped = await ds.map(
    async (b) => {
      if (tok) {
        const enc = await tok.encodeBatch(b.sentence);
        return {
          input_ids: enc.map((e) => e.ids),
          token_type_ids: enc.map((e) => e.typeIds),
          attention_mask: enc.map((e) => e.attentionMask),
        };
      }
      const ids = b.sentence.map((s) =>
        s
          .split(' ')
          .slice(0, 128)
          .map((w) => w.length),
      );
      return {
        input_ids: ids,
        token_type_ids: ids.map((r) => r.map(() => 0)),
        attention_mask: ids.map((r) => r.map(() => 1)),
      };
    },
    { batched: true, cacheKey: `bench-${Date.now()}` },
  );
  out.map_tokenize_sst2_ms = now() - t;
  out.map_rows_per_s = ds.numRows / (out.map_tokenize_sst2_ms / 1000);
  const saved = join(work, 'ours_tokenized_sst2');
  rmSync(saved, { recursive: true, force: true });
  await mapped.saveToDisk(saved);
  for (const f of mapped.dataFiles) if (existsSync(f)) rmSync(f);
} else if (step === 'shuffle') {
  const ds = await Dataset.loadFromDisk(join(work, 'ours_saved_mnli'));
  const t = now();
  const sel = ds.shuffle({ seed: 0 }).select(Array.from({ length: 10_000 }, (_, i) => i));
  sel.toTable(); // materialize, as HF's flatten_indices
  out.shuffle_select_mnli_ms = now() - t;
} else if (step === 'iter') {
  const ds = await Dataset.loadFromDisk(join(work, 'ours_tokenized_sst2'));
  const f = ds
    .select(Array.from({ length: 10_000 }, (_, i) => i))
    .withFormat('tfjs', ['input_ids', 'attention_mask', 'token_type_ids', 'label']);
  const t = now();
  let n = 0;
  for (const b of f.iter({ batchSize: 32 })) {
    n += b.labels.shape[0];
    for (const x of Object.values(b)) x.dispose();
  }
  out.iter_10k_ms = now() - t;
  if (n !== 10_000) throw new Error(`iterated ${n} rows`);
}
out.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
