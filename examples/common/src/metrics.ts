// Classification metrics and the results table the examples print.
import { glueMetric } from '@transferjs/datasets';
import type { EvalPrediction } from '@transferjs/trainer';

/** Row-wise argmax of [N, C] logits. */
export function argmax(data: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++)
      if ((data[i * c + j] as number) > (data[i * c + best] as number)) best = j;
    out[i] = best;
  }
  return out;
}

const binary = glueMetric('mrpc'); // accuracy and F1 of class 1, as GLUE's binary tasks

/** Accuracy and F1 of class 1 for predicted vs reference labels. */
export function glueBinaryScores(
  predictions: ArrayLike<number>,
  references: ArrayLike<number>,
): { accuracy: number; f1: number } {
  const scores = binary.compute({ predictions, references });
  return { accuracy: scores.accuracy ?? Number.NaN, f1: scores.f1 ?? Number.NaN };
}

/** Trainer computeMetrics for binary classification: { accuracy, f1 }. */
export function binaryMetrics({ predictions, labelIds }: EvalPrediction): Record<string, number> {
  const [n, c] = predictions.shape as [number, number];
  const scores = binary.compute({
    predictions: argmax(predictions.data, n, c),
    references: labelIds?.data ?? [],
  });
  return { accuracy: scores.accuracy ?? Number.NaN, f1: scores.f1 ?? Number.NaN };
}

/** 5300000 -> '5.30 M', 66 -> '66'. */
export function formatCount(n: number): string {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M`
    : n >= 1e3
      ? `${(n / 1e3).toFixed(1)} k`
      : String(n);
}

/** A Markdown table with padded columns. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
