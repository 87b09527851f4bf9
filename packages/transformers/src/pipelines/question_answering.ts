import * as tf from '@tensorflow/tfjs';
import { TransformersError } from '../errors.js';
import { Pipeline } from './base.js';

export interface QuestionAnsweringResult {
  score: number;
  /** Character offsets of the answer in the context. */
  start: number;
  end: number;
  answer: string;
}

/**
 * question-answering (extractive, as HF 4.x's QuestionAnsweringPipeline; 5.x removed it):
 * 1. encode (question, context), truncating the context to fit;
 * 2. mask every token but the context's (and [CLS]) with -10000, softmax start and end
 *    logits separately, then zero [CLS] (no "impossible answer");
 * 3. best span start <= end < start + maxAnswerLen by p(start) * p(end);
 * 4. map the span to character offsets of the context.
 *
 * @example
 * await qa.run({ question: 'Where does John live?', context: 'John lives in Paris.' }) // { score: 0.97, start: 14, end: 19, answer: 'Paris' }
 */
export class QuestionAnsweringPipeline extends Pipeline {
  async run(
    input: { question: string; context: string },
    options: { maxAnswerLen?: number } = {},
  ): Promise<QuestionAnsweringResult> {
    const maxAnswerLen = options.maxAnswerLen ?? 15;
    const batch = await this.tokenizer.encode(
      [input.question],
      this.tokenizeOptions({ pairs: [input.context], truncation: 'only_second' }),
    );
    const enc = batch.encodings[0];
    if (!enc) throw new TransformersError('INTERNAL', 'no encoding');
    const [startLogits, endLogits] = tf.tidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      return [(out.startLogits as tf.Tensor).dataSync(), (out.endLogits as tf.Tensor).dataSync()];
    });
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    const n = enc.length;
    const cls = this.tokenizer.clsTokenId;
    const allowed = enc.ids.map((id, j) => enc.sequenceIds[j] === 1 || id === cls);
    const probs = (logits: ArrayLike<number>): number[] => {
      const masked = Array.from({ length: n }, (_, j) =>
        allowed[j] ? (logits[j] as number) : -10000,
      );
      const max = Math.max(...masked);
      const e = masked.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / sum);
    };
    const ps = probs(startLogits as Float32Array);
    const pe = probs(endLogits as Float32Array);
    ps[0] = 0;
    pe[0] = 0;
    let best = { score: -1, s: 0, e: 0 };
    for (let s = 0; s < n; s++) {
      for (let e = s; e < Math.min(n, s + maxAnswerLen); e++) {
        const score = (ps[s] as number) * (pe[e] as number);
        if (score > best.score) best = { score, s, e };
      }
    }
    if (enc.sequenceIds[best.s] !== 1 || enc.sequenceIds[best.e] !== 1) {
      throw new TransformersError(
        'NO_ANSWER',
        'no span of the context scored above zero (is the context empty?)',
      );
    }
    const start = (enc.offsets[best.s] as [number, number])[0];
    const end = (enc.offsets[best.e] as [number, number])[1];
    return { score: best.score, start, end, answer: input.context.slice(start, end) };
  }
}
