import * as tf from '@tensorflow/tfjs';
import { Pipeline } from './base.js';

export interface FeatureExtractionOptions {
  /** 'none': every token's vector [T][H] (HF's feature-extraction); 'cls': the first token's; 'mean': the mean over real tokens (sentence-transformers). Default 'none'. */
  pooling?: 'none' | 'cls' | 'mean';
  /** L2-normalise pooled vectors (cosine similarity = dot product). Default false. */
  normalize?: boolean;
}

/**
 * feature-extraction: the base model's last hidden state per text, optionally pooled
 * (CLS or attention-masked mean) and L2-normalised.
 *
 * @example
 * await embed.run(['a sentence'], { pooling: 'mean', normalize: true }) // [[0.012, -0.094, ...]] (hidden_size numbers)
 */
export class FeatureExtractionPipeline extends Pipeline {
  async run(
    texts: string | readonly string[],
    options: { pooling: 'cls' | 'mean'; normalize?: boolean },
  ): Promise<number[][]>;
  async run(
    texts: string | readonly string[],
    options?: { pooling?: 'none'; normalize?: boolean },
  ): Promise<number[][][]>;
  async run(
    texts: string | readonly string[],
    options: FeatureExtractionOptions = {},
  ): Promise<number[][] | number[][][]> {
    const list = typeof texts === 'string' ? [texts] : texts;
    const batch = await this.tokenizer.encode(list, this.tokenizeOptions());
    const pooling = options.pooling ?? 'none';
    // arraySync after the tidy: a nested array returned from tf.tidy is walked element by element.
    const pooledOrAll = tf.tidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      const h = out.lastHiddenState as tf.Tensor3D; // [B, T, H]
      if (pooling === 'none') return h;
      let pooled: tf.Tensor2D;
      if (pooling === 'cls') {
        const [b, , d] = h.shape;
        // The first real token: column 0 with right padding, else where each row starts.
        pooled =
          this.tokenizer.paddingSide === 'left'
            ? firstReal(h, batch.attentionMask)
            : tf.slice(h, [0, 0, 0], [b, 1, d]).reshape([b, d]);
      } else {
        // sum(h * mask) / count, per row.
        const m = batch.attentionMask.toFloat().expandDims(-1);
        pooled = h.mul(m).sum(1).div(m.sum(1).maximum(1e-9));
      }
      if (options.normalize) pooled = pooled.div(pooled.norm(2, -1, true).maximum(1e-12));
      return pooled;
    });
    const result = pooledOrAll.arraySync();
    pooledOrAll.dispose();
    // 'none': strip padding columns so each text has its own T.
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    if (pooling !== 'none') return result as number[][];
    const t = batch.inputIds.shape[1];
    return (result as number[][][]).map((rows, i) => {
      const len = batch.encodings[i]?.length ?? t;
      return this.tokenizer.paddingSide === 'left' ? rows.slice(t - len) : rows.slice(0, len);
    });
  }
}

/** [B, T, H] -> the vector of each row's first unmasked position [B, H]. */
function firstReal(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const idx = tf.argMax(mask, 1); // first 1 in each row
  const oneHot = tf.oneHot(idx, h.shape[1]).expandDims(-1); // [B, T, 1]
  return h.mul(oneHot).sum(1) as tf.Tensor2D;
}
