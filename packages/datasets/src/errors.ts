/**
 * The one error class of @transferjs/datasets: corrupt or truncated Arrow, wrong
 * schemas, missing columns, ragged rows, labels outside their ClassLabel. `code` is stable; the
 * message names the file, the row and the column, what was expected, what was found and, when
 * known, the fix. Native errors arrive as `"[CODE] message"` (native/src/error.rs) and are
 * converted here, once.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    /** Stable code, e.g. `CORRUPT_ARROW`, `RAGGED_ROW`, `LABEL_OUT_OF_RANGE`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NATIVE_MESSAGE = /^\[([A-Z_]+)\] ([\s\S]*)$/;

function toDatasetError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = NATIVE_MESSAGE.exec(e.message);
  if (m?.[1] === undefined || m[2] === undefined) return e;
  return new DatasetError(m[1], m[2], { cause: e });
}

/** Runs a native call and converts its error, if any, into a `DatasetError`. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw toDatasetError(e);
  }
}

/** The async form of `native`. */
export async function nativeAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toDatasetError(e);
  }
}
