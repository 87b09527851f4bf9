/**
 * The one error class of @transferjs/trainer: invalid TrainingArguments, NaN or Inf
 * losses, label-count mismatches, empty datasets, unreadable checkpoints. `code` is stable; the
 * message names the argument or file, what was expected, what was found and, when known, the fix.
 */
export class TrainerError extends Error {
  override readonly name = 'TrainerError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
