import * as tf from '@tensorflow/tfjs';
import { Pipeline, readTidy, sigmoid, softmax } from './base.js';

export interface TextClassificationResult {
  label: string;
  score: number;
}

/**
 * text-classification (HF TextClassificationPipeline): softmax over the labels, or sigmoid for
 * multi_label_classification / a single label. Per text, the topK labels by score
 * (topK null = all). `pairs` classifies sentence pairs.
 *
 * @example
 * await classify.run(['great movie'], { topK: 1 }) // [[{ label: 'POSITIVE', score: 0.98 }]]
 */
export class TextClassificationPipeline extends Pipeline {
  async run(
    texts: string | readonly string[],
    options: {
      topK?: number | null;
      pairs?: readonly string[];
      functionToApply?: 'softmax' | 'sigmoid' | 'none';
    } = {},
  ): Promise<TextClassificationResult[][]> {
    const list = typeof texts === 'string' ? [texts] : texts;
    const batch = await this.tokenizer.encode(
      list,
      this.tokenizeOptions(options.pairs ? { pairs: options.pairs } : {}),
    );
    const [logits] = readTidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      return [out.logits as tf.Tensor];
    });
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    const config = this.model.config;
    const c = config.num_labels;
    const fn =
      options.functionToApply ??
      (config.problem_type === 'multi_label_classification' || c === 1 ? 'sigmoid' : 'softmax');
    const topK = options.topK === undefined ? 1 : options.topK;
    return list.map((_, i) => {
      const raw = logits.subarray(i * c, (i + 1) * c);
      const scores =
        fn === 'softmax' ? softmax(raw) : fn === 'sigmoid' ? sigmoid(raw) : Array.from(raw);
      const all = scores.map((score, k) => ({
        label: config.id2label[String(k)] ?? `LABEL_${k}`,
        score,
      }));
      all.sort((a, b) => b.score - a.score);
      return topK === null ? all : all.slice(0, topK);
    });
  }
}
