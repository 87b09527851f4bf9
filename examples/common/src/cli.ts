// What every example's main.ts reads from its command line: smoke mode, the output folder, and
// JSON overrides of its typed defaults.
import { resolve } from 'node:path';

/** The parsed command line of an example. */
export interface ExampleCli<T> {
  /** `--smoke` or TRANSFERJS_SMOKE=1: tiny sizes, a few steps, seconds (what CI runs). */
  smoke: boolean;
  /** `--out <dir>`, else `<exampleDir>/out`. */
  outDir: string;
  /** The value after `--<name>`, if any (e.g. `--model ./my-bert`). */
  flag(name: string): string | undefined;
  /** DEFAULTS (or SMOKE) with TRANSFERJS_EXAMPLE_OPTIONS (JSON) merged in. */
  options: T;
}

/** Deep merge of plain objects: `b`'s fields win, arrays and scalars are replaced. */
export function mergeOptions<T>(base: T, override: unknown): T {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(override)) return override as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in base ? mergeOptions(base[k], v) : v;
  return out as T;
}

/**
 * Reads the command line. `TRANSFERJS_EXAMPLE_OPTIONS='{"pretrain":{"steps":600}}'` overrides
 * any default (nested fields merge).
 */
export function parseCli<T>(exampleDir: string, defaults: T, smokeDefaults: T): ExampleCli<T> {
  const argv = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : undefined;
    return v !== undefined && !v.startsWith('--') ? v : undefined;
  };
  const smoke = argv.includes('--smoke') || process.env.TRANSFERJS_SMOKE === '1';
  const json = process.env.TRANSFERJS_EXAMPLE_OPTIONS;
  let options = smoke ? smokeDefaults : defaults;
  if (json) {
    try {
      options = mergeOptions(options, JSON.parse(json));
    } catch (e) {
      throw new Error(
        `TRANSFERJS_EXAMPLE_OPTIONS is not valid JSON (${(e as Error).message}): ${json}`,
      );
    }
  }
  return { smoke, outDir: resolve(flag('out') ?? resolve(exampleDir, 'out')), flag, options };
}
