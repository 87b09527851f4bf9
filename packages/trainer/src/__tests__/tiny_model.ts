// A tiny model implementing the model <-> trainer contract, with BERT's parameter names, for
// testing the trainer without @transferjs/transformers: embeddings + LayerNorm, L residual tanh
// layers (each with a LayerNorm), masked mean pooling + pooler, and a classification or MLM head.
// Deterministic initialisation from a seed. NOT part of the package.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelInputs, ModelOutput, TrainableModel } from '../index.js';

export interface TinyOptions {
  vocab?: number;
  hidden?: number;
  layers?: number;
  labels?: number;
  head?: 'classification' | 'mlm';
  seed?: number;
  /** Inputs containing this id produce a NaN loss (to test NaN handling). */
  poisonId?: number;
}

export class TinyModel implements TrainableModel {
  readonly config: Record<string, unknown>;
  private readonly params = new Map<string, tf.Variable>();
  private readonly opts: Required<Omit<TinyOptions, 'poisonId'>> & { poisonId?: number };

  constructor(options: TinyOptions = {}) {
    this.opts = {
      vocab: 64,
      hidden: 16,
      layers: 2,
      labels: 2,
      head: 'classification',
      seed: 1,
      ...options,
    };
    const { vocab, hidden, layers, labels, head } = this.opts;
    this.config = {
      model_type: 'bert',
      architectures: [head === 'mlm' ? 'TinyForMaskedLM' : 'TinyForSequenceClassification'],
      vocab_size: vocab,
      hidden_size: hidden,
      num_hidden_layers: layers,
      num_labels: labels,
      pad_token_id: 0,
    };
    let seed = this.opts.seed * 1000;
    const normal = (name: string, shape: number[]): void => {
      seed += 1;
      const s = seed;
      this.params.set(
        name,
        tf.tidy(() =>
          tf.variable(
            tf.randomNormal(shape, 0, 0.3, 'float32', s),
            true,
            `${name}#${s}#${Math.random()}`,
          ),
        ),
      );
    };
    const constant = (name: string, shape: number[], v: number): void => {
      this.params.set(
        name,
        tf.tidy(() => tf.variable(tf.fill(shape, v), true, `${name}#${Math.random()}`)),
      );
    };
    normal('bert.embeddings.word_embeddings.weight', [vocab, hidden]);
    normal('bert.embeddings.token_type_embeddings.weight', [2, hidden]);
    constant('bert.embeddings.LayerNorm.weight', [hidden], 1);
    constant('bert.embeddings.LayerNorm.bias', [hidden], 0);
    for (let i = 0; i < layers; i++) {
      normal(`bert.encoder.layer.${i}.intermediate.dense.weight`, [hidden, hidden]);
      constant(`bert.encoder.layer.${i}.intermediate.dense.bias`, [hidden], 0);
      constant(`bert.encoder.layer.${i}.output.LayerNorm.weight`, [hidden], 1);
      constant(`bert.encoder.layer.${i}.output.LayerNorm.bias`, [hidden], 0);
    }
    if (head === 'classification') {
      normal('bert.pooler.dense.weight', [hidden, hidden]);
      constant('bert.pooler.dense.bias', [hidden], 0);
      normal('classifier.weight', [labels, hidden]);
      constant('classifier.bias', [labels], 0);
    } else {
      normal('cls.predictions.transform.dense.weight', [hidden, hidden]);
      constant('cls.predictions.transform.dense.bias', [hidden], 0);
      constant('cls.predictions.bias', [vocab], 0);
    }
  }

  namedParameters(): Map<string, tf.Variable> {
    return new Map(this.params);
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  private layerNorm(x: tf.Tensor, prefix: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .div(variance.add(1e-12).sqrt())
      .mul(this.p(`${prefix}.weight`))
      .add(this.p(`${prefix}.bias`));
  }

  /** x [.., in] times a Linear weight [out, in]. */
  private linear(x: tf.Tensor, prefix: string): tf.Tensor {
    const w = this.p(`${prefix}.weight`);
    const [b, t, h] = x.shape.length === 3 ? (x.shape as [number, number, number]) : [0, 0, 0];
    const flat = x.shape.length === 3 ? x.reshape([b * t, h]) : x;
    let y = tf.matMul(flat, w, false, true).add(this.p(`${prefix}.bias`));
    if (x.shape.length === 3) y = y.reshape([b, t, w.shape[0] as number]);
    return y;
  }

  forward(inputs: ModelInputs, _options?: { training?: boolean }): ModelOutput {
    return tf.tidy(
      () => this.forwardInner(inputs) as unknown as tf.TensorContainer,
    ) as unknown as ModelOutput;
  }

  private forwardInner(inputs: ModelInputs): ModelOutput {
    {
      const ids = inputs.inputIds;
      const [b, t] = ids.shape;
      const mask = (inputs.attentionMask ?? tf.onesLike(ids)).toFloat(); // [B, T]
      let h: tf.Tensor = tf
        .gather(this.p('bert.embeddings.word_embeddings.weight'), ids.flatten())
        .reshape([b, t, -1]);
      if (inputs.tokenTypeIds) {
        h = h.add(
          tf
            .gather(
              this.p('bert.embeddings.token_type_embeddings.weight'),
              inputs.tokenTypeIds.flatten(),
            )
            .reshape([b, t, -1]),
        );
      }
      h = this.layerNorm(h, 'bert.embeddings.LayerNorm');
      for (let i = 0; i < this.opts.layers; i++) {
        const y = tf.tanh(this.linear(h, `bert.encoder.layer.${i}.intermediate.dense`));
        h = this.layerNorm(h.add(y), `bert.encoder.layer.${i}.output.LayerNorm`);
      }
      let poison: tf.Scalar | undefined;
      if (this.opts.poisonId !== undefined) {
        const hit = ids.equal(tf.scalar(this.opts.poisonId, 'int32')).any();
        poison = tf.where(hit, tf.scalar(Number.NaN), tf.scalar(1)) as tf.Scalar;
      }
      const out: ModelOutput = { lastHiddenState: h as tf.Tensor3D };
      if (this.opts.head === 'classification') {
        const m = mask.expandDims(-1); // [B, T, 1]
        const pooledMean = h.mul(m).sum(1).div(m.sum(1)); // [B, H]
        const pooled = tf.tanh(this.linear(pooledMean, 'bert.pooler.dense'));
        const logits = this.linear(pooled, 'classifier'); // [B, C]
        out.logits = logits;
        if (inputs.labels) {
          const logp = tf.logSoftmax(logits);
          const onehot = tf.oneHot(inputs.labels.toInt() as tf.Tensor1D, this.opts.labels);
          let loss = logp.mul(onehot).sum(-1).mean().neg() as tf.Scalar;
          if (poison) loss = loss.mul(poison);
          out.loss = loss;
        }
      } else {
        const x = tf.tanh(this.linear(h, 'cls.predictions.transform.dense')); // [B, T, H]
        // decoder tied to the word embeddings: [B*T, H] x [V, H]^T
        const emb = this.p('bert.embeddings.word_embeddings.weight');
        const logits = tf
          .matMul(x.reshape([b * t, -1]), emb, false, true)
          .add(this.p('cls.predictions.bias'))
          .reshape([b, t, this.opts.vocab]) as tf.Tensor3D;
        out.logits = logits;
        if (inputs.labels) {
          const labels = inputs.labels.reshape([b * t]) as tf.Tensor1D;
          const valid = labels.notEqual(tf.scalar(-100, 'int32')).toFloat();
          const safe = tf.where(
            labels.equal(tf.scalar(-100, 'int32')),
            tf.zerosLike(labels),
            labels,
          ) as tf.Tensor1D;
          const logp = tf.logSoftmax(logits.reshape([b * t, this.opts.vocab]));
          const nll = logp.mul(tf.oneHot(safe, this.opts.vocab)).sum(-1).neg();
          let loss = nll.mul(valid).sum().div(valid.sum().maximum(1)) as tf.Scalar;
          if (poison) loss = loss.mul(poison);
          out.loss = loss;
        }
      }
      return out;
    }
  }

  async savePretrained(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), `${JSON.stringify(this.config, null, 2)}\n`);
    // minimal safetensors: u64 header length, JSON header, F32 data
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    const chunks: Uint8Array[] = [];
    for (const [name, v] of this.params) {
      const data = v.dataSync() as Float32Array;
      header[name] = {
        dtype: 'F32',
        shape: v.shape,
        data_offsets: [offset, offset + data.byteLength],
      };
      offset += data.byteLength;
      chunks.push(
        new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
      );
    }
    let json = JSON.stringify(header);
    while (json.length % 8 !== 0) json += ' ';
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const tmp = join(dir, 'model.safetensors.tmp');
    await writeFile(tmp, Buffer.concat([len, Buffer.from(json), ...chunks]));
    await rename(tmp, join(dir, 'model.safetensors'));
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }

  /** Copies of every parameter's values. */
  snapshot(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [n, v] of this.params) out.set(n, Float32Array.from(v.dataSync() as Float32Array));
    return out;
  }
}

/** A learnable toy task: label 1 when ids in [10, 30) outnumber ids in [30, 50). */
export function toyClassification(
  n: number,
  seed: number,
): { input_ids: number[]; label: number }[] {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: { input_ids: number[]; label: number }[] = [];
  while (out.length < n) {
    const len = 4 + Math.floor(r() * 8);
    const ids = [2];
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < len; i++) {
      const id = 10 + Math.floor(r() * 40);
      if (id < 30) pos += 1;
      else neg += 1;
      ids.push(id);
    }
    ids.push(3);
    if (pos === neg) continue;
    out.push({ input_ids: ids, label: pos > neg ? 1 : 0 });
  }
  return out;
}

/** Toy text for MLM: repeating patterns so that masked tokens are predictable. */
export function toyText(n: number, seed: number): { input_ids: number[] }[] {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const start = 10 + Math.floor(r() * 20);
    const len = 6 + Math.floor(r() * 6);
    return { input_ids: [2, ...Array.from({ length: len }, (_, i) => start + (i % 5) * 2), 3] };
  });
}

/** Reads the F32 tensors of a safetensors file (test helper). */
export function readF32Safetensors(bytes: Uint8Array): Map<string, Float32Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const out = new Map<string, Float32Array>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__' || e.dtype !== 'F32') continue;
    const raw = bytes.slice(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]);
    out.set(name, new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
  }
  return out;
}
