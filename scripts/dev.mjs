#!/usr/bin/env node
// The README's two commands start here: `npm run demo` and `npm test` both call
// `node scripts/dev.mjs <task>`, which makes a fresh machine (Node 20, npm, Rust, Python) ready
// and then runs the task. Every step is idempotent and quick on a second run.
//
//   1. pnpm at the version pinned in package.json#packageManager (global if possible, else a
//      project-local copy under .tools/), without corepack;
//   2. `pnpm install --frozen-lockfile` (the committed lockfile, no resolution);
//   3. `pnpm setup:tensorflow`: the native TensorFlow backend (tfjs-node on the TF C library from
//      PyPI's tensorflow-cpu wheel; ~20 s the first time, ~1 s after; docs/backends.md). If it
//      fails the task still runs, on the wasm backend, and in CI the backend tests fail;
//   4. the task: `demo` builds and runs the main job, `test` runs every suite (scripts/run_tests.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv[2];
const tasks = ['demo', 'test'];
if (!tasks.includes(task)) {
  console.error(`usage: node scripts/dev.mjs <${tasks.join('|')}> (got ${task ?? 'nothing'})`);
  process.exit(2);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 17)) {
  console.error(`Node ${process.versions.node} is too old: @transferjs needs Node >= 20.17.`);
  process.exit(1);
}

const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const pnpmVersion = /^pnpm@(.+)$/.exec(pinned)?.[1];
if (!pnpmVersion)
  throw new Error(`package.json#packageManager must be pnpm@<version>, found ${pinned}`);

function version(cmd) {
  try {
    return execFileSync(cmd, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

// 1. pnpm.
const localBin = join(root, '.tools', 'node_modules', '.bin');
let pnpm = 'pnpm';
if (version('pnpm') !== pnpmVersion) {
  const local = join(localBin, 'pnpm');
  if (!(existsSync(local) && version(local) === pnpmVersion)) {
    console.log(`[setup] installing pnpm@${pnpmVersion} into .tools/`);
    const status = run('npm', [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      '.tools',
      `pnpm@${pnpmVersion}`,
    ]);
    if (status !== 0) process.exit(status);
  }
  pnpm = local;
}
process.env.PATH = `${localBin}:${process.env.PATH}`;

// 2. Dependencies from the lockfile.
const installStatus = run(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only']);
if (installStatus !== 0) process.exit(installStatus);

// 3. The native TensorFlow backend.
const tensorflowStatus = run(process.execPath, [
  join(root, 'packages', 'transformers', 'scripts', 'setup_tensorflow.mjs'),
]);
if (tensorflowStatus !== 0) {
  console.error(
    '[setup] the tensorflow backend is not set up (see the message above); continuing on wasm/cpu' +
      (process.env.CI === 'true' ? ': CI requires it, so its tests will fail' : ''),
  );
}

// 4. The task.
const status =
  task === 'test'
    ? run(process.execPath, [join(root, 'scripts', 'run_tests.mjs')])
    : run(pnpm, ['run', 'demo:run']);
process.exit(status);
