#!/usr/bin/env node
// transferjs-run-glue: HF run_glue.py for @transferjs (see `runGlue` in @transferjs/trainer).
import { runGlue, TrainerError } from '../dist/index.js';

try {
  await runGlue(process.argv.slice(2));
} catch (e) {
  if (e instanceof TrainerError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
