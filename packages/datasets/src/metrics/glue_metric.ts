/**
 * GLUE metrics with HF `evaluate`'s keys (glue metric) and run_glue's `combined_score` (the
 * mean, when a task has more than one metric):
 *   cola, ax               -> matthews_correlation
 *   stsb                   -> pearson, spearmanr (+ combined_score)
 *   mrpc, qqp              -> accuracy, f1 (binary, positive class 1) (+ combined_score)
 *   sst2, mnli, qnli, rte, wnli -> accuracy
 * (evaluate has no 'ax' config; the GLUE server scores AX with Matthews correlation.)
 */
import { DatasetError } from '../errors.js';
import type { GlueTask } from '../glue/glue.js';

export type GlueScores = Partial<
  Record<
    'accuracy' | 'f1' | 'matthews_correlation' | 'pearson' | 'spearmanr' | 'combined_score',
    number
  >
>;

export function accuracy(preds: ArrayLike<number>, refs: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < preds.length; i++) if (preds[i] === refs[i]) ok++;
  return ok / preds.length;
}

/** Binary F1 of class 1 (sklearn's f1_score default; 0 when there are no positives at all). */
export function f1(preds: ArrayLike<number>, refs: ArrayLike<number>): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < preds.length; i++) {
    if (preds[i] === 1 && refs[i] === 1) tp++;
    else if (preds[i] === 1) fp++;
    else if (refs[i] === 1) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Multiclass Matthews correlation (sklearn's matthews_corrcoef, from the confusion matrix). */
export function matthewsCorrelation(preds: ArrayLike<number>, refs: ArrayLike<number>): number {
  const classes = [...new Set([...Array.from(preds), ...Array.from(refs)])];
  const k = classes.length;
  const idx = new Map(classes.map((c, i) => [c, i]));
  const t = new Float64Array(k); // true counts per class
  const p = new Float64Array(k); // predicted counts
  let c = 0;
  const s = preds.length;
  for (let i = 0; i < s; i++) {
    const a = idx.get(refs[i] as number) as number;
    const b = idx.get(preds[i] as number) as number;
    t[a] = (t[a] as number) + 1;
    p[b] = (p[b] as number) + 1;
    if (a === b) c++;
  }
  let pt = 0;
  let pp = 0;
  let tt = 0;
  for (let i = 0; i < k; i++) {
    pt += (p[i] as number) * (t[i] as number);
    pp += (p[i] as number) ** 2;
    tt += (t[i] as number) ** 2;
  }
  const den = Math.sqrt((s * s - pp) * (s * s - tt));
  return den === 0 ? 0 : (c * s - pt) / den;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = (x[i] as number) - mx;
    const b = (y[i] as number) - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks with ties averaged (scipy's rankdata 'average'), 1-based. */
function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort(
    (a, b) => (x[a] as number) - (x[b] as number),
  );
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1] as number] === x[order[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k] as number] = avg;
    i = j + 1;
  }
  return r;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}

/**
 * The metric of a GLUE task.
 *
 * @example
 * glueMetric('mrpc').compute({ predictions: [1, 0, 1], references: [1, 1, 1] });
 * // -> { accuracy: 0.666..., f1: 0.8, combined_score: 0.733... }
 */
export function glueMetric(task: GlueTask | 'mnli_matched' | 'mnli_mismatched'): {
  compute(input: { predictions: ArrayLike<number>; references: ArrayLike<number> }): GlueScores;
} {
  const known = [
    'cola',
    'sst2',
    'mrpc',
    'qqp',
    'stsb',
    'mnli',
    'mnli_matched',
    'mnli_mismatched',
    'qnli',
    'rte',
    'wnli',
    'ax',
  ];
  if (!known.includes(task))
    throw new DatasetError(
      'UNKNOWN_TASK',
      `glueMetric: unknown task '${task}' (supported: ${known.join(', ')})`,
    );
  return {
    compute({ predictions, references }) {
      if (predictions.length !== references.length || predictions.length === 0) {
        throw new DatasetError(
          'INVALID_ARGUMENT',
          `glueMetric('${task}'): ${predictions.length} predictions for ${references.length} references; both must be non-empty and the same length`,
        );
      }
      let m: GlueScores;
      if (task === 'cola' || task === 'ax')
        m = { matthews_correlation: matthewsCorrelation(predictions, references) };
      else if (task === 'stsb')
        m = {
          pearson: pearson(predictions, references),
          spearmanr: spearman(predictions, references),
        };
      else if (task === 'mrpc' || task === 'qqp')
        m = { accuracy: accuracy(predictions, references), f1: f1(predictions, references) };
      else m = { accuracy: accuracy(predictions, references) };
      const vals = Object.values(m) as number[];
      if (vals.length > 1) m.combined_score = vals.reduce((a, b) => a + b, 0) / vals.length;
      return m;
    },
  };
}
