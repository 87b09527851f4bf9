/**
 * The one error class of @transferjs/datasets: corrupt or truncated Arrow, wrong
 * schemas, missing columns, ragged rows, labels outside their ClassLabel. `code` is stable; the
 * message names the file, the row and the column, what was expected, what was found and, when
 * known, the fix.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
