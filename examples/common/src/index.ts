/**
 * Helpers the examples share: the real data they read (from npm packages), their command line,
 * metrics and tables, and the SVG charts. Not published; each example's main.ts shows the
 * library calls themselves.
 */
export type { ExampleCli } from './cli.js';
export { mergeOptions, parseCli } from './cli.js';
export type { LabelledSentence } from './data.js';
export { mobyDickDocuments, permutation, uciSentences } from './data.js';
export { argmax, binaryMetrics, formatCount, markdownTable } from './metrics.js';
export type { Chart, Series } from './plot.js';
export { htmlPage, lineChart } from './plot.js';
