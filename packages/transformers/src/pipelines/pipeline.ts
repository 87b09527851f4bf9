import {
  AutoModel,
  AutoModelForMaskedLM,
  AutoModelForQuestionAnswering,
  AutoModelForSequenceClassification,
  AutoModelForTokenClassification,
} from '../auto/modeling_auto.js';
import { AutoTokenizer } from '../auto/tokenization_auto.js';
import { TransformersError } from '../errors.js';
import type { FromPretrainedOptions } from '../modeling_utils.js';
import { FeatureExtractionPipeline } from './feature_extraction.js';
import { FillMaskPipeline } from './fill_mask.js';
import { QuestionAnsweringPipeline } from './question_answering.js';
import { TextClassificationPipeline } from './text_classification.js';
import { TokenClassificationPipeline } from './token_classification.js';

const PIPELINES = {
  'fill-mask': { auto: AutoModelForMaskedLM, cls: FillMaskPipeline },
  'text-classification': {
    auto: AutoModelForSequenceClassification,
    cls: TextClassificationPipeline,
  },
  'token-classification': {
    auto: AutoModelForTokenClassification,
    cls: TokenClassificationPipeline,
  },
  'feature-extraction': { auto: AutoModel, cls: FeatureExtractionPipeline },
  'question-answering': { auto: AutoModelForQuestionAnswering, cls: QuestionAnsweringPipeline },
} as const;

export type PipelineTask = keyof typeof PIPELINES;
type PipelineFor<T extends PipelineTask> = InstanceType<(typeof PIPELINES)[T]['cls']>;

/**
 * HF's pipeline(task, model): the model (with the task's head) and the tokenizer from one
 * folder, offline.
 *
 * @example
 * const ner = await pipeline('token-classification', './bert-ner');
 * await ner.run('John lives in Paris.');
 */
export async function pipeline<T extends PipelineTask>(
  task: T,
  dir: string,
  options: FromPretrainedOptions = {},
): Promise<PipelineFor<T>> {
  const spec = PIPELINES[task];
  if (!spec) {
    throw new TransformersError(
      'UNKNOWN_TASK',
      `unknown pipeline task '${String(task)}' (supported: ${Object.keys(PIPELINES).join(', ')})`,
    );
  }
  const tokenizer = await AutoTokenizer.fromPretrained(dir);
  const model = await spec.auto.fromPretrained(dir, options);
  return new spec.cls(model, tokenizer) as PipelineFor<T>;
}
