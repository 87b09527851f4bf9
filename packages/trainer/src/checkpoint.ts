import { constants, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  readSafetensors,
  type SafetensorsFile,
  type SafetensorsTensor,
  serializeSafetensors,
} from '@transferjs/transformers';
import { TrainerState } from './callbacks.js';
import { TrainerError } from './errors.js';
import type { SavableTokenizer, TrainableModel } from './model_types.js';
import type { AdamW, LRScheduler, SchedulerState } from './optimization.js';
import type { TrainingArguments } from './training_args.js';

// checkpoint-<step>/
//   config.json, model.safetensors      model.savePretrained (HF-loadable)
//   tokenizer files                     when a tokenizer is given
//   optimizer.safetensors               AdamW moments '<param>.exp_avg' / '<param>.exp_avg_sq', step in metadata
//   scheduler.json                      LambdaLR state (last_epoch, base_lrs, _last_lr)
//   rng_state.json                      collator RNG state (data order is a function of seed + epoch)
//   trainer_state.json                  HF TrainerState (log_history, best_metric, ...)
//   training_args.json                  the TrainingArguments, snake_case

export const CHECKPOINT_PREFIX = 'checkpoint-';
export const OPTIMIZER_NAME = 'optimizer.safetensors';
export const SCHEDULER_NAME = 'scheduler.json';
export const RNG_STATE_NAME = 'rng_state.json';
export const TRAINER_STATE_NAME = 'trainer_state.json';
export const TRAINING_ARGS_NAME = 'training_args.json';
export const MODEL_NAME = 'model.safetensors';

/** Writes a file and fsyncs it (the caller renames the folder into place). */
export async function writeSynced(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `file` atomically: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeSynced(tmp, data);
  await rename(tmp, file);
  await fsyncDir(join(file, '..'));
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else {
      const fh = await open(p, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  await fsyncDir(dir);
}

/** checkpoint-<step> folders of `outputDir`, oldest first. */
export async function listCheckpoints(
  outputDir: string,
): Promise<{ step: number; path: string }[]> {
  if (!existsSync(outputDir)) return [];
  const out: { step: number; path: string }[] = [];
  for (const entry of await readdir(outputDir, { withFileTypes: true })) {
    const m = /^checkpoint-(\d+)$/.exec(entry.name);
    if (entry.isDirectory() && m)
      out.push({ step: Number(m[1]), path: join(outputDir, entry.name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** What a checkpoint holds besides the files the model and tokenizer write. */
export interface CheckpointParts {
  model: TrainableModel;
  tokenizer?: SavableTokenizer;
  optimizer: AdamW;
  scheduler: LRScheduler;
  rngState: unknown;
  state: TrainerState;
  args: TrainingArguments;
}

/**
 * Writes checkpoint-<step>/ atomically: everything goes to a hidden temp folder, every file is
 * fsynced, then the folder is renamed into place (a crash leaves either the old state or the
 * complete checkpoint, never half of one). Returns the checkpoint path.
 */
export async function saveCheckpoint(outputDir: string, parts: CheckpointParts): Promise<string> {
  const step = parts.state.globalStep;
  const final = join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
  const tmp = join(outputDir, `.tmp-${CHECKPOINT_PREFIX}${step}-${process.pid}`);
  await mkdir(outputDir, { recursive: true });
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    // 1. model + tokenizer, in their own formats
    await parts.model.savePretrained(tmp);
    if (parts.tokenizer) await saveTokenizer(parts.tokenizer, tmp);
    // 2. optimizer moments
    // (safetensors I/O is @transferjs/transformers': one implementation in the repository)
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [name, t] of parts.optimizer.stateTensors()) {
      tensors.set(name, { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array });
    }
    await writeSynced(
      join(tmp, OPTIMIZER_NAME),
      Buffer.concat(
        serializeSafetensors(tensors, {
          format: 'transferjs-adamw',
          step: String(parts.optimizer.step),
          param_steps: JSON.stringify(parts.optimizer.paramSteps()),
          lr: String(parts.optimizer.learningRate),
        }),
      ),
    );
    // 3. scheduler, RNG, trainer state, arguments
    await writeSynced(
      join(tmp, SCHEDULER_NAME),
      `${JSON.stringify(parts.scheduler.stateDict(), null, 2)}\n`,
    );
    await writeSynced(join(tmp, RNG_STATE_NAME), `${JSON.stringify(parts.rngState, null, 2)}\n`);
    await writeSynced(
      join(tmp, TRAINER_STATE_NAME),
      `${JSON.stringify(parts.state.toJSON(), null, 2)}\n`,
    );
    await writeSynced(
      join(tmp, TRAINING_ARGS_NAME),
      `${JSON.stringify(parts.args.toJSON(), null, 2)}\n`,
    );
    await fsyncTree(tmp);
    // 4. into place
    if (existsSync(final)) {
      const old = `${tmp}.old`;
      await rename(final, old);
      await rename(tmp, final);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, final);
    }
    await fsyncDir(outputDir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof TrainerError) throw e;
    throw new TrainerError('IO', `saving ${final} failed: ${(e as Error).message}`, { cause: e });
  }
  return final;
}

/** Writes the tokenizer's files into `dir`. */
export async function saveTokenizer(tokenizer: SavableTokenizer, dir: string): Promise<void> {
  if (typeof tokenizer.savePretrained === 'function') await tokenizer.savePretrained(dir);
  else if (typeof tokenizer.save === 'function') await tokenizer.save(join(dir, 'tokenizer.json'));
  else {
    throw new TrainerError(
      'INVALID_ARGUMENT',
      'tokenizer: expected an object with savePretrained(dir) or save(file) (to write its files into checkpoints)',
    );
  }
}

/**
 * Deletes the oldest checkpoints beyond `limit`, never the best one (as HF's
 * _rotate_checkpoints: with a best checkpoint that is not the newest, at least 2 are kept).
 */
export async function rotateCheckpoints(
  outputDir: string,
  limit: number | undefined,
  bestCheckpoint: string | null,
): Promise<string[]> {
  if (limit === undefined) return [];
  const all = await listCheckpoints(outputDir);
  let ordered = all.map((c) => c.path);
  const newest = ordered[ordered.length - 1];
  let effective = limit;
  if (bestCheckpoint && ordered.includes(bestCheckpoint)) {
    ordered = [...ordered.filter((p) => p !== bestCheckpoint), bestCheckpoint];
    if (limit === 1 && bestCheckpoint !== newest) effective = 2;
  }
  const removed: string[] = [];
  while (ordered.length > effective) {
    const victim = ordered.shift() as string;
    await rm(victim, { recursive: true, force: true });
    removed.push(victim);
  }
  return removed;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `${file}: cannot be read (${(e as Error).message}); the checkpoint is incomplete`,
      {
        cause: e,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TrainerError('BAD_CHECKPOINT', `${file}: not valid JSON (${(e as Error).message})`, {
      cause: e,
    });
  }
}

async function readSafetensorsFile(file: string): Promise<SafetensorsFile> {
  try {
    return await readSafetensors(file);
  } catch (e) {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `${file}: cannot be read as safetensors (${(e as Error).message}); the checkpoint is incomplete or corrupt`,
      { cause: e },
    );
  }
}

/** float32 values of a stored tensor (F16 / BF16 arrive upcast, F64 is narrowed). */
function float32Of(file: string, name: string, t: SafetensorsTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof Float64Array) return Float32Array.from(t.data);
  throw new TrainerError(
    'BAD_CHECKPOINT',
    `${file}: '${name}' has dtype ${t.dtype}, expected a float dtype (F32, F16, BF16, F64)`,
  );
}

/**
 * Copies model.safetensors of `dir` into the model's variables (HF names and shapes); every
 * parameter must be present with its shape, extra keys are reported.
 */
export async function loadModelWeights(dir: string, model: TrainableModel): Promise<void> {
  const file = join(dir, MODEL_NAME);
  const { tensors } = await readSafetensorsFile(file);
  const params = model.namedParameters();
  const missing = [...params.keys()].filter((n) => !tensors.has(n));
  if (missing.length > 0) {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `${file}: missing ${missing.length} parameter(s) of the model: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}; was it saved from another architecture?`,
    );
  }
  const unexpected = [...tensors.keys()].filter((n) => !params.has(n));
  if (unexpected.length > 0) {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `${file}: ${unexpected.length} tensor(s) the model does not have: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''}`,
    );
  }
  for (const [name, v] of params) {
    const t = tensors.get(name) as SafetensorsTensor;
    if (t.shape.join(',') !== v.shape.join(',')) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${file}: '${name}' has shape [${t.shape}], the model expects [${v.shape}]`,
      );
    }
    const data = float32Of(file, name, t);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }
}

/** Restores model weights, optimizer, scheduler and trainer state; returns the saved RNG state. */
export async function loadCheckpoint(
  dir: string,
  parts: Omit<CheckpointParts, 'rngState' | 'state' | 'args' | 'tokenizer'>,
): Promise<{ state: TrainerState; rngState: unknown }> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `resumeFromCheckpoint: '${dir}' is not a checkpoint folder`,
    );
  }
  const state = TrainerState.fromJSON(
    await readJson(join(dir, TRAINER_STATE_NAME)),
    join(dir, TRAINER_STATE_NAME),
  );
  const scheduler = (await readJson(join(dir, SCHEDULER_NAME))) as SchedulerState;
  const rngState = await readJson(join(dir, RNG_STATE_NAME));
  const optFile = join(dir, OPTIMIZER_NAME);
  const opt = await readSafetensorsFile(optFile);
  await loadModelWeights(dir, parts.model);
  const moments = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, t] of opt.tensors)
    moments.set(k, { shape: t.shape, data: t.data as Float32Array });
  let paramSteps: Record<string, number>;
  try {
    paramSteps = JSON.parse(opt.metadata.param_steps ?? 'null') as Record<string, number>;
  } catch {
    paramSteps = null as unknown as Record<string, number>;
  }
  if (!paramSteps || typeof paramSteps !== 'object') {
    throw new TrainerError(
      'BAD_CHECKPOINT',
      `${optFile}: metadata 'param_steps' is missing or not a JSON object`,
    );
  }
  parts.optimizer.loadState(Number(opt.metadata.step ?? Number.NaN), paramSteps, moments, optFile);
  parts.scheduler.loadStateDict(scheduler, join(dir, SCHEDULER_NAME));
  return { state, rngState };
}
