import * as tf from '@tensorflow/tfjs';
import { Pipeline, readTidy, softmax } from './base.js';

/** One token's prediction (aggregation 'none'). start / end are character offsets into the text. */
export interface TokenEntity {
  entity: string;
  score: number;
  /** Token position in the encoded sequence ([CLS] = 0). */
  index: number;
  /** The token ('##ing' for a continuation piece). */
  word: string;
  start: number;
  end: number;
}

/** Adjacent tokens of one entity merged (aggregation 'simple'): mean score, decoded words. */
export interface EntityGroup {
  entityGroup: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/** 'B-PER' -> ['B', 'PER']; 'I-PER' -> ['I', 'PER']; 'O' -> ['I', 'O'] (HF get_tag). */
function tagOf(entity: string): [string, string] {
  if (entity.startsWith('B-')) return ['B', entity.slice(2)];
  if (entity.startsWith('I-')) return ['I', entity.slice(2)];
  return ['I', entity];
}

/**
 * token-classification (HF TokenClassificationPipeline): per token the argmax label of the
 * softmax, with character offsets into the input; special tokens and `ignoreLabels` (default
 * ['O']) are dropped. aggregationStrategy 'simple' merges B-/I- runs as HF's group_entities does.
 *
 * @example
 * await ner.run('John lives in Paris.') // [[{ entity: 'B-PER', score: 0.99, index: 1, word: 'john', start: 0, end: 4 }, ...]]
 */
export class TokenClassificationPipeline extends Pipeline {
  async run(
    texts: string | readonly string[],
    options: { aggregationStrategy?: 'none'; ignoreLabels?: readonly string[] },
  ): Promise<TokenEntity[][]>;
  async run(
    texts: string | readonly string[],
    options: { aggregationStrategy: 'simple'; ignoreLabels?: readonly string[] },
  ): Promise<EntityGroup[][]>;
  async run(texts: string | readonly string[]): Promise<TokenEntity[][]>;
  async run(
    texts: string | readonly string[],
    options: { aggregationStrategy?: 'none' | 'simple'; ignoreLabels?: readonly string[] } = {},
  ): Promise<TokenEntity[][] | EntityGroup[][]> {
    const list = typeof texts === 'string' ? [texts] : texts;
    const ignore = new Set(options.ignoreLabels ?? ['O']);
    const batch = await this.tokenizer.encode(list, this.tokenizeOptions());
    const [b, t] = batch.inputIds.shape;
    const [logits] = readTidy(() => {
      const out = this.model.forward({
        inputIds: batch.inputIds,
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      });
      return [out.logits as tf.Tensor];
    });
    tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds]);
    const c = logits.length / (b * t);
    const id2label = this.model.config.id2label;
    return batch.encodings.map((enc, i) => {
      const shift = this.tokenizer.paddingSide === 'left' ? t - enc.length : 0;
      const tokens: (TokenEntity & { id: number })[] = [];
      enc.ids.forEach((id, j) => {
        if (enc.specialTokensMask[j] === 1) return;
        const probs = softmax(
          logits.subarray((i * t + j + shift) * c, (i * t + j + shift + 1) * c),
        );
        let best = 0;
        for (let k = 1; k < c; k++) if ((probs[k] as number) > (probs[best] as number)) best = k;
        const [start, end] = enc.offsets[j] ?? [0, 0];
        tokens.push({
          entity: id2label[String(best)] ?? `LABEL_${best}`,
          score: probs[best] as number,
          index: j,
          word: enc.tokens[j] ?? '',
          start,
          end,
          id,
        });
      });
      if (options.aggregationStrategy !== 'simple') {
        return tokens.filter((e) => !ignore.has(e.entity)).map(({ id: _id, ...e }) => e);
      }
      // group_entities: extend the current group while the tag continues (same type, not B-).
      const groups: EntityGroup[] = [];
      let current: (TokenEntity & { id: number })[] = [];
      const flush = () => {
        const first = current[0];
        const last = current[current.length - 1];
        if (!first || !last) return;
        groups.push({
          entityGroup: tagOf(first.entity)[1],
          score: current.reduce((a, e) => a + e.score, 0) / current.length,
          word: this.tokenizer.decode(current.map((e) => e.id)),
          start: first.start,
          end: last.end,
        });
      };
      for (const e of tokens) {
        const prev = current[current.length - 1];
        const [bi, tag] = tagOf(e.entity);
        if (prev && tag === tagOf(prev.entity)[1] && bi !== 'B') current.push(e);
        else {
          flush();
          current = [e];
        }
      }
      flush();
      return groups.filter((g) => !ignore.has(g.entityGroup));
    }) as TokenEntity[][] | EntityGroup[][];
  }
}
