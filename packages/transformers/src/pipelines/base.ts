import * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../configs/configuration_utils.js';
import type { PreTrainedModelBase } from '../modeling_utils.js';
import type { PreTrainedTokenizer, TokenizeOptions } from '../tokenization_utils.js';

/**
 * A model + its tokenizer, run on raw text. Inputs are truncated to what both allow
 * (tokenizer model_max_length, model max_position_embeddings).
 */
export abstract class Pipeline {
  constructor(
    readonly model: PreTrainedModelBase<PretrainedConfig>,
    readonly tokenizer: PreTrainedTokenizer,
  ) {}

  /** The longest input the model takes: max_position_embeddings (RoBERTa: minus padding_idx + 1). */
  protected maxLength(): number {
    const c = this.model.config as PretrainedConfig & { max_position_embeddings?: number };
    let limit = c.max_position_embeddings ?? Number.POSITIVE_INFINITY;
    if (c.model_type === 'roberta') limit -= (c.pad_token_id ?? 1) + 1;
    return Math.min(limit, this.tokenizer.modelMaxLength ?? Number.POSITIVE_INFINITY);
  }

  protected tokenizeOptions(extra: TokenizeOptions = {}): TokenizeOptions {
    const max = this.maxLength();
    return Number.isFinite(max) ? { truncation: true, maxLength: max, ...extra } : extra;
  }

  /**
   * Writes the model (config.json + model.safetensors) and the tokenizer (tokenizer.json +
   * tokenizer_config.json) into one folder that HF Python's from_pretrained / pipeline() load.
   */
  async savePretrained(dir: string): Promise<void> {
    await this.model.savePretrained(dir);
    await this.tokenizer.savePretrained(dir);
  }

  /** Frees the model's variables. */
  dispose(): void {
    this.model.dispose();
  }
}

/** softmax over a plain array (float64, max-shifted). */
export function softmax(xs: ArrayLike<number>): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) max = Math.max(max, xs[i] as number);
  const e = Array.from(xs, (x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

export function sigmoid(xs: ArrayLike<number>): number[] {
  return Array.from(xs, (x) => 1 / (1 + Math.exp(-x)));
}

/** Row i of a [N, C] typed array. */
export function row(data: Float32Array | tf.TypedArray, i: number, c: number): Float32Array {
  return (data as Float32Array).subarray(i * c, (i + 1) * c);
}

/**
 * Runs `fn` in a tf.tidy and reads the tensors it returns as typed arrays, after the tidy.
 * Reading inside the tidy would hand tf.tidy a typed array as its result, and tidy walks every
 * element of a returned container looking for tensors (~0.4 s per million floats): fill-mask
 * logits [B, T, vocab] are tens of millions.
 */
export function readTidy<T extends tf.Tensor[]>(
  fn: () => [...T],
): { [K in keyof T]: Float32Array } {
  const tensors = tf.tidy(fn);
  try {
    return tensors.map((t) => t.dataSync() as Float32Array) as { [K in keyof T]: Float32Array };
  } finally {
    tf.dispose(tensors);
  }
}
