/**
 * The one error class of @transferjs/tokenizers-native. Native errors arrive as
 * `"[CODE] message"` (see native/src/error.rs) and are converted here, once.
 */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';

  /** Stable code, e.g. `UNKNOWN_COMPONENT`, `INVALID_JSON`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const NATIVE_MESSAGE = /^\[([A-Z0-9_]+)\] ([\s\S]*)$/;

/** Runs a native call and converts its error, if any, into a `TokenizerError`. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw toTokenizerError(e);
  }
}

function toTokenizerError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = NATIVE_MESSAGE.exec(e.message);
  if (m?.[1] === undefined || m[2] === undefined) return e;
  return new TokenizerError(m[1], m[2], { cause: e });
}
