// Runs an example's main.ts in smoke mode, in a child process, as a user would (tsx), and returns
// what it printed. The tests then check the files it wrote and the numbers it reported.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** examples/ */
export const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The output folder passed with --out. */
  out: string;
  seconds: number;
}

/** `tsx main.ts --smoke --out <tmp> ...args` in examples/<name>. */
export function runExample(name: string, args: readonly string[] = []): ExampleRun {
  const out = mkdtempSync(join(tmpdir(), `transferjs-example-${name}-`));
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main.ts', '--smoke', '--out', out, ...args],
    {
      cwd: join(examplesDir, name),
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
      maxBuffer: 1 << 26,
    },
  );
  const run = {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    out,
    seconds: (performance.now() - started) / 1000,
  };
  if (run.status !== 0) {
    throw new Error(`examples/${name} exited with ${run.status}:\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}
