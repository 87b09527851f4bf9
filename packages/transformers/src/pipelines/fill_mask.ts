import * as tf from '@tensorflow/tfjs';
import { TransformersError } from '../errors.js';
import { Pipeline, readTidy, softmax } from './base.js';

export interface FillMaskResult {
  score: number;
  /** Predicted token id. */
  token: number;
  /** That token, decoded. */
  tokenStr: string;
  /** The input with the mask replaced, decoded without special tokens. */
  sequence: string;
}

/**
 * fill-mask (HF FillMaskPipeline): for each text with one mask token, the topK tokens by
 * softmax probability at the mask. Texts with several masks get one list per mask.
 *
 * @example
 * await fillMask.run('Paris is the [MASK] of France.') // [[{ score: 0.91, token: 3007, tokenStr: 'capital', sequence: 'paris is the capital of france.' }, ...]]
 */
export class FillMaskPipeline extends Pipeline {
  async run(
    texts: string | readonly string[],
    options: { topK?: number } = {},
  ): Promise<FillMaskResult[][]> {
    const topK = options.topK ?? 5;
    const list = typeof texts === 'string' ? [texts] : texts;
    const maskId = this.tokenizer.maskTokenId;
    if (maskId === null)
      throw new TransformersError(
        'INVALID_INPUT',
        `${this.tokenizer.source}: the tokenizer has no mask token`,
      );
    const batch = await this.tokenizer.encode(list, this.tokenizeOptions());
    const [b, t] = batch.inputIds.shape;
    const ids = batch.inputIds.dataSync();
    const [logits] = readTidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      return [out.logits as tf.Tensor];
    });
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    const v = logits.length / (b * t);
    const results: FillMaskResult[][] = [];
    for (let i = 0; i < b; i++) {
      const enc = batch.encodings[i];
      if (!enc) continue;
      const rowIds = Array.from(ids.subarray(i * t, (i + 1) * t));
      const positions = rowIds.flatMap((id, j) => (id === maskId ? [j] : []));
      if (positions.length === 0) {
        throw new TransformersError(
          'INVALID_INPUT',
          `no ${this.tokenizer.maskToken} token in input ${i}: ${JSON.stringify(list[i])}`,
        );
      }
      for (const p of positions) {
        const probs = softmax(logits.subarray((i * t + p) * v, (i * t + p + 1) * v));
        const order = probs
          .map((s, k) => [s, k] as const)
          .sort((x, y) => y[0] - x[0] || x[1] - y[1])
          .slice(0, topK);
        results.push(
          order.map(([score, token]) => {
            const filled = rowIds.slice();
            filled[p] = token;
            const kept = filled.filter((_, j) =>
              isReal(j, enc.length, t, this.tokenizer.paddingSide),
            );
            return {
              score,
              token,
              tokenStr: this.tokenizer.decode([token]),
              sequence: this.tokenizer.decode(kept, { skipSpecialTokens: true }),
            };
          }),
        );
      }
    }
    return results;
  }
}

/** Whether column j of a padded row of width t holds one of the row's `len` real tokens. */
function isReal(j: number, len: number, t: number, side: 'left' | 'right'): boolean {
  return side === 'left' ? j >= t - len : j < len;
}
