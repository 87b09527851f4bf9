/**
 * @transferjs/datasets: memory-mapped Arrow datasets in HF's save_to_disk layout, loaders,
 * GLUE tasks and metrics. Everything public is named here; nothing else is part of the API.
 */
export { openArrow, openArrowSync } from './arrow/io.js';
export type { Batch, BatchFn, MapOptions, Row, RowFn, TrainTestSplitOptions } from './dataset.js';
export { concatenateDatasets, Dataset } from './dataset.js';
export { DatasetDict, loadFromDisk } from './dataset_dict.js';
export { DatasetError } from './errors.js';
export type { Dtype, Features, FeatureType, StructFeature } from './features.js';
export { ClassLabel, Sequence, Value } from './features.js';
export type { Format, FormatType } from './format.js';
export type { GlueTask, LoadGlueOptions } from './glue/glue.js';
export { GLUE_TASKS, glueFeatures, loadGlue } from './glue/glue.js';
export type { CsvOptions, DataFiles, LoadOptions } from './loaders/index.js';
export { loadCsv, loadDataset, loadJson, loadParquet, loadText, loadTsv } from './loaders/index.js';
export type { GlueScores } from './metrics/glue_metric.js';
export { glueMetric } from './metrics/glue_metric.js';
