#!/usr/bin/env node
// Runs every test suite of the repository and ends with one line: `N passed, N failed`.
//
//   1. build everything (turbo; the native addons are part of `build`);
//   2. `cargo test --workspace` (Rust unit + integration tests), counted from its summaries;
//   3. every package's vitest suite through turbo, counted from each package's JSON report
//      (`.test-results/vitest.json`, written by the package's vitest.config.ts);
//   4. the publishability check: each public package packed, installed alone, smoke-tested.
// A suite that crashes before reporting counts as one failure, so a broken suite never
// reads as green.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(cmd, args, { capture = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    maxBuffer: 1 << 30,
  });
  if (capture) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  return r;
}

function record(suite, passed, failed, skipped = 0) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${suite}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

function finish() {
  console.log('\n== test summary ==');
  for (const l of lines) console.log(l);
  const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
  console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
  process.exit(totals.failed === 0 ? 0 : 1);
}

// 1. Build.
const build = run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only']);
if (build.status !== 0) {
  record('build', 0, 1);
  finish();
}

// 2. Rust.
const cargo = run('cargo', ['test', '--workspace', '--no-fail-fast', '--color=never'], { capture: true });
{
  let passed = 0;
  let failed = 0;
  let ignored = 0;
  for (const m of `${cargo.stdout}\n${cargo.stderr}`.matchAll(
    /test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g,
  )) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    ignored += Number(m[3]);
  }
  if (cargo.status !== 0 && failed === 0) failed = 1; // compile error or crash
  record('cargo test', passed, failed, ignored);
}

// 3. TypeScript packages.
const reportDirs = ['packages', 'examples']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p, '.test-results')));
for (const d of reportDirs) rmSync(d, { recursive: true, force: true });
// Two suites at a time: each one spreads over the cores itself, and the model and parity suites
// are heavy; more at once only makes every suite slower and its timeouts flaky.
const vitest = run('pnpm', ['turbo', 'run', 'test', '--continue', '--concurrency=2', '--output-logs=new-only']);
let counted = 0;
for (const d of reportDirs) {
  const file = join(d, 'vitest.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const pkg = JSON.parse(readFileSync(join(d, '..', 'package.json'), 'utf8')).name;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite file that failed to load has no tests but `success: false`.
  const broken = report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0;
  record(`vitest ${pkg}`, report.numPassedTests, report.numFailedTests + broken, skipped);
  counted++;
}
if (vitest.status !== 0 && totals.failed === 0) record('vitest (crashed before reporting)', 0, 1);
if (counted === 0) record('vitest (no report written)', 0, 1);

// 4. Every public package, packed, installed alone with npm and smoke-tested (check_packages.mjs).
const pack = run(process.execPath, [join(root, 'scripts', 'check_packages.mjs')], { capture: true });
{
  const m = /packages: (\d+) passed, (\d+) failed/.exec(pack.stdout ?? '');
  const passed = m ? Number(m[1]) : 0;
  let failed = m ? Number(m[2]) : 0;
  if (pack.status !== 0 && failed === 0) failed = 1;
  record('package check', passed, failed);
}

finish();
