import * as tf from '@tensorflow/tfjs';
import { TransformersError } from '../errors.js';
import { Pipeline, readTidy } from './base.js';

export interface QuestionAnsweringResult {
  score: number;
  /** Character offsets of the answer in the context. */
  start: number;
  end: number;
  answer: string;
}

/**
 * question-answering (extractive, as HF 4.x's QuestionAnsweringPipeline; 5.x removed it):
 * 1. encode (question, context) into windows of maxSeqLen = min(model limit, 384) tokens, the
 *    context split with docStride = min(maxSeqLen / 2, 128) tokens of overlap;
 * 2. per window, mask every token but the context's (and [CLS]) with -10000, softmax start and
 *    end logits separately, then zero [CLS] (no "impossible answer");
 * 3. per window, the best span start <= end < start + maxAnswerLen by p(start) * p(end);
 * 4. the best window's span, mapped to character offsets of the context.
 *
 * @example
 * await qa.run({ question: 'Where does John live?', context: 'John lives in Paris.' }) // { score: 0.97, start: 14, end: 19, answer: 'Paris' }
 */
export class QuestionAnsweringPipeline extends Pipeline {
  async run(
    input: { question: string; context: string },
    options: { maxAnswerLen?: number; maxSeqLen?: number; docStride?: number } = {},
  ): Promise<QuestionAnsweringResult> {
    const maxAnswerLen = options.maxAnswerLen ?? 15;
    const maxSeqLen = options.maxSeqLen ?? Math.min(this.maxLength(), 384);
    const docStride = options.docStride ?? Math.min(Math.floor(maxSeqLen / 2), 128);
    const batch = await this.tokenizer.encode([input.question], {
      pairs: [input.context],
      truncation: 'only_second',
      maxLength: maxSeqLen,
      stride: docStride,
      returnOverflowing: true,
    });
    const [rows, t] = batch.inputIds.shape;
    const [startLogits, endLogits] = readTidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      return [out.startLogits as tf.Tensor, out.endLogits as tf.Tensor];
    });
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    const cls = this.tokenizer.clsTokenId;
    const shiftOf = (len: number) => (this.tokenizer.paddingSide === 'left' ? t - len : 0);
    let best: QuestionAnsweringResult | null = null;
    for (let w = 0; w < rows; w++) {
      const enc = batch.encodings[w];
      if (!enc) continue;
      const n = enc.length;
      const shift = shiftOf(n);
      const allowed = enc.ids.map((id, j) => enc.sequenceIds[j] === 1 || id === cls);
      const probs = (logits: Float32Array): number[] => {
        const masked = Array.from({ length: n }, (_, j) =>
          allowed[j] ? (logits[w * t + shift + j] as number) : -10000,
        );
        const max = Math.max(...masked);
        const e = masked.map((x) => Math.exp(x - max));
        const sum = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / sum);
      };
      const ps = probs(startLogits);
      const pe = probs(endLogits);
      ps[0] = 0;
      pe[0] = 0;
      let top = { score: -1, s: 0, e: 0 };
      for (let s = 0; s < n; s++) {
        for (let e = s; e < Math.min(n, s + maxAnswerLen); e++) {
          const score = (ps[s] as number) * (pe[e] as number);
          if (score > top.score) top = { score, s, e };
        }
      }
      if (enc.sequenceIds[top.s] !== 1 || enc.sequenceIds[top.e] !== 1) continue;
      if (!best || top.score > best.score) {
        const start = (enc.offsets[top.s] as [number, number])[0];
        const end = (enc.offsets[top.e] as [number, number])[1];
        best = { score: top.score, start, end, answer: input.context.slice(start, end) };
      }
    }
    if (!best)
      throw new TransformersError(
        'NO_ANSWER',
        'no span of the context scored above zero (is the context empty?)',
      );
    return best;
  }
}
