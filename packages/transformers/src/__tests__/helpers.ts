import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  type BackendChoice,
  type ModelInputs,
  type ModelOutput,
  readSafetensors,
  type SafetensorsTensor,
  useBackend,
} from '../index.js';

/**
 * Model tests run on the backend useBackend() picks: TRANSFERJS_BACKEND, else the fastest that
 * loads (tensorflow once `pnpm setup:tensorflow` ran, as npm test does; wasm / cpu otherwise).
 * cpu.test.ts pins 'cpu' for a subset. Each test file awaits this at its top level.
 */
export function setupBackend(): Promise<BackendChoice> {
  return useBackend();
}

/** fixtures/transformers at the repository root. */
export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../fixtures/transformers',
);

/** Every generated case: <family>/<case> folders with config.json and expected.safetensors. */
export function fixtureCases(): { family: string; name: string; dir: string }[] {
  const out: { family: string; name: string; dir: string }[] = [];
  for (const family of readdirSync(FIXTURES).sort()) {
    const fdir = path.join(FIXTURES, family);
    if (!statSync(fdir).isDirectory() || family === 'minilm') continue;
    for (const name of readdirSync(fdir).sort()) {
      const dir = path.join(fdir, name);
      if (
        existsSync(path.join(dir, 'expected.safetensors')) &&
        existsSync(path.join(dir, 'config.json'))
      )
        out.push({ family, name, dir });
    }
  }
  return out;
}

export function toTensor(t: SafetensorsTensor): tf.Tensor {
  if (t.dtype === 'I32') return tf.tensor(t.data as Int32Array, t.shape, 'int32');
  if (t.dtype === 'F32') return tf.tensor(t.data as Float32Array, t.shape, 'float32');
  throw new Error(`unexpected fixture dtype ${t.dtype}`);
}

const INPUT_NAMES: Record<string, keyof ModelInputs> = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
  position_ids: 'positionIds',
  labels: 'labels',
  next_sentence_label: 'nextSentenceLabel',
  sentence_order_label: 'nextSentenceLabel',
  start_positions: 'startPositions',
  end_positions: 'endPositions',
};

const OUTPUT_NAMES: Record<string, keyof ModelOutput> = {
  loss: 'loss',
  logits: 'logits',
  prediction_logits: 'predictionLogits',
  seq_relationship_logits: 'seqRelationshipLogits',
  sop_logits: 'seqRelationshipLogits',
  start_logits: 'startLogits',
  end_logits: 'endLogits',
  last_hidden_state: 'lastHiddenState',
  pooler_output: 'poolerOutput',
};

export interface Expected {
  inputs: ModelInputs;
  /** [expected key, reference tensor] */
  outputs: Map<string, SafetensorsTensor>;
  numHiddenStates: number | undefined;
  metadata: Record<string, string>;
}

export async function loadExpected(file: string): Promise<Expected> {
  const { tensors, metadata } = await readSafetensors(file);
  const inputs: Record<string, tf.Tensor> = {};
  const outputs = new Map<string, SafetensorsTensor>();
  let numHiddenStates: number | undefined;
  for (const [k, t] of tensors) {
    if (k.startsWith('in.')) {
      const name = INPUT_NAMES[k.slice(3)];
      if (!name) throw new Error(`unknown fixture input ${k}`);
      inputs[name] = toTensor(t);
    } else if (k === 'out.num_hidden_states') numHiddenStates = (t.data as Int32Array)[0];
    else outputs.set(k.slice(4), t);
  }
  return { inputs: inputs as unknown as ModelInputs, outputs, numHiddenStates, metadata };
}

/** Our output tensor for a reference key ('logits', 'hidden_states.1', 'attentions.0'). */
export function ourOutput(out: ModelOutput, key: string): tf.Tensor | undefined {
  const m = /^(hidden_states|attentions)\.(\d+)$/.exec(key);
  if (m) {
    const list = m[1] === 'hidden_states' ? out.hiddenStates : out.attentions;
    return list?.[Number(m[2])];
  }
  const name = OUTPUT_NAMES[key];
  return name ? (out[name] as tf.Tensor | undefined) : undefined;
}

/** max |a - b| over all elements; shapes must match. */
export function maxAbsDiff(ours: tf.Tensor, ref: SafetensorsTensor): number {
  if (ours.shape.join(',') !== ref.shape.join(','))
    throw new Error(`shape [${ours.shape}] vs reference [${ref.shape}]`);
  const a = ours.dataSync();
  const b = ref.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return worst;
}

export function disposeInputs(inputs: ModelInputs): void {
  for (const t of Object.values(inputs)) (t as tf.Tensor).dispose();
}
