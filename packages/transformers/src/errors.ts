/**
 * The one error class of @transferjs/transformers: bad config values, unknown model types,
 * missing files, checkpoint keys and shapes. `code` is stable; the message names the file, the
 * field, what was expected, what was found and, when known, the fix.
 */
export class TransformersError extends Error {
  override readonly name = 'TransformersError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
