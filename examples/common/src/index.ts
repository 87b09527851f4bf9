/**
 * Helpers the examples share: the real data they read (from npm packages), their command line,
 * metrics and tables, and the SVG charts. Not published; each example's main.ts shows the
 * library calls themselves.
 */
export type { ExampleCli } from './cli.js';
export { mergeOptions, parseCli } from './cli.js';
export type { LabelledSentence } from './data.js';
export { encodeSentences, mobyDickDocuments, permutation, uciSentences, uciSplit } from './data.js';
export { argmax, binaryMetrics, formatCount, glueBinaryScores, markdownTable } from './metrics.js';
export {
  demoPretrainedDir,
  findMiniLM,
  MINILM_HOWTO,
  makeTinyBert,
  resolveBertFolder,
  saveBertTokenizer,
} from './models.js';
export type { Chart, Series } from './plot.js';
export { htmlPage, lineChart } from './plot.js';
