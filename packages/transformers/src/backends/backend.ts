/**
 * The one place that chooses the TensorFlow.js backend, loads it, and says what it chose and why.
 *
 *   name             tfjs backend    package                                  sequences/s*
 *   'tensorflow-gpu' 'tensorflow'    @tensorflow/tfjs-node-gpu (CUDA)         untested here
 *   'tensorflow'     'tensorflow'    @tensorflow/tfjs-node, set up by         181 fwd / 33 train
 *                                    `pnpm setup:tensorflow`
 *   'wasm'           'wasm'          @tensorflow/tfjs-backend-wasm (+ fixes)  23 fwd / 5.8 train
 *   'cpu'            'cpu'           @tensorflow/tfjs (pure JS)               1 fwd / 0.4 train
 *   (* bert-mini, seq 128, batch 8, 2 cores; docs/backends.md)
 *
 * Which one: the caller's choice, else the TRANSFERJS_BACKEND environment variable, else 'auto'
 * = the first of the list above that loads; the skipped ones and their reasons are reported in
 * the returned {@link BackendChoice}. An explicit choice that cannot load throws a
 * TransformersError naming the package and the fix; it never falls back.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { TransformersError } from '../errors.js';
import { registerWasmKernels } from './wasm_kernels.js';

/** A backend @transferjs/transformers can run on, fastest first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Every backend name, in the order 'auto' tries them. */
export const BACKEND_NAMES: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
];

/** The environment variable that picks the backend when the caller does not. */
export const BACKEND_ENV = 'TRANSFERJS_BACKEND';

/** What {@link useBackend} chose, and why. */
export interface BackendChoice {
  /** Our name for it. */
  readonly name: BackendName;
  /** The tfjs backend now active (`tf.getBackend()`): 'tensorflow', 'wasm' or 'cpu'. */
  readonly tfjsBackend: string;
  /** Where the choice came from: the caller, TRANSFERJS_BACKEND, or the automatic order. */
  readonly source: 'option' | 'env' | 'auto';
  /** One sentence: why this backend. */
  readonly reason: string;
  /** For 'auto': the faster backends that could not be used, each with the reason. */
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /** A backend name, or 'auto' (the default): TRANSFERJS_BACKEND if set, else the fastest that loads. */
  backend?: BackendName | 'auto';
}

interface Spec {
  /** The name tfjs registers the backend under. */
  readonly tfjs: string;
  /** The npm package that provides it (none for 'cpu', which ships in @tensorflow/tfjs). */
  readonly pkg?: string;
  /** What to do when the package is installed but does not load. */
  readonly setUp?: string;
}

const SPECS: Record<BackendName, Spec> = {
  'tensorflow-gpu': {
    tfjs: 'tensorflow',
    pkg: '@tensorflow/tfjs-node-gpu',
    setUp:
      'it needs libtensorflow with CUDA in its deps/lib and its addon built: see "GPU" in docs/backends.md',
  },
  tensorflow: {
    tfjs: 'tensorflow',
    pkg: '@tensorflow/tfjs-node',
    setUp:
      'run `pnpm setup:tensorflow` in the repository (or `npx transferjs-setup-tensorflow`), which stages the TF C library from PyPI and builds the addon (docs/backends.md)',
  },
  wasm: { tfjs: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm' },
  cpu: { tfjs: 'cpu' },
};

// Resolves the optional backend packages from this package's location, like a static import
// would. They are CommonJS, as is @tensorflow/tfjs's Node entry, so require() shares its
// module instances (and its one @tensorflow/tfjs-core engine) with our `import * as tf`.
const requireHere = createRequire(import.meta.url);

/** Per backend: loaded, or the error that stopped it (a failed native load is not retried). */
const loads = new Map<BackendName, true | TransformersError>();
let last: BackendChoice | undefined;

function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.trim().split('\n')[0] ?? '';
}

/** Makes the package of `name` register its tfjs backend; throws TransformersError if it cannot. */
function load(name: BackendName): void {
  const done = loads.get(name);
  if (done === true) return;
  if (done !== undefined) throw done;
  try {
    loadOnce(name);
    loads.set(name, true);
  } catch (e) {
    const err =
      e instanceof TransformersError
        ? e
        : new TransformersError(
            'BACKEND_LOAD_FAILED',
            `backend '${name}' failed to load: ${firstLine(e)}`,
            {
              cause: e,
            },
          );
    // A missing package may be installed later in the same process; a failed native load may not.
    if (err.code !== 'BACKEND_NOT_INSTALLED') loads.set(name, err);
    throw err;
  }
}

function loadOnce(name: BackendName): void {
  const spec = SPECS[name];
  if (spec.pkg !== undefined) {
    let entry: string;
    try {
      entry = requireHere.resolve(spec.pkg);
    } catch (e) {
      throw new TransformersError(
        'BACKEND_NOT_INSTALLED',
        `backend '${name}' needs the package ${spec.pkg}@${tf.version_core}, which is not installed next to @transferjs/transformers: add it (pnpm add ${spec.pkg}@${tf.version_core})${spec.setUp ? `, then ${spec.setUp}` : ''}`,
        { cause: e },
      );
    }
    // The other tfjs-node flavour: both register the tfjs backend 'tensorflow'.
    const other =
      name === 'tensorflow'
        ? 'tensorflow-gpu'
        : name === 'tensorflow-gpu'
          ? 'tensorflow'
          : undefined;
    if (other !== undefined && loads.get(other) === true) {
      throw new TransformersError(
        'BACKEND_CONFLICT',
        `backend '${name}' cannot load: '${other}' is already loaded in this process and both register the tfjs backend 'tensorflow'; choose one per process (TRANSFERJS_BACKEND=${name})`,
      );
    }
    // TensorFlow's C++ logs (CPU feature notes) go to stderr at load; keep errors only unless
    // the user chose a level.
    if (other !== undefined) process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    try {
      requireHere(entry);
    } catch (e) {
      throw new TransformersError(
        'BACKEND_NOT_SET_UP',
        `backend '${name}': ${spec.pkg} is installed but does not load (${firstLine(e)}); ${spec.setUp ?? 'reinstall it'}`,
        { cause: e },
      );
    }
  }
  if (tf.findBackendFactory(spec.tfjs) === null) {
    throw new TransformersError(
      'BACKEND_CORE_MISMATCH',
      `backend '${name}': ${spec.pkg ?? '@tensorflow/tfjs'} loaded but registered no tfjs backend '${spec.tfjs}' on the @tensorflow/tfjs-core ${tf.version_core} that @transferjs/transformers uses; it found another copy of tfjs-core: install one version of @tensorflow/tfjs (${tf.version_core}) so the package manager shares it`,
    );
  }
  if (name === 'wasm') registerWasmKernels();
}

/** Loads `name`'s package and makes it the active tfjs backend. */
async function activate(name: BackendName): Promise<void> {
  load(name);
  const tfjs = SPECS[name].tfjs;
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfjs);
  } catch (e) {
    throw new TransformersError(
      'BACKEND_INIT_FAILED',
      `backend '${name}' failed to initialise: ${firstLine(e)}`,
      {
        cause: e,
      },
    );
  }
  if (!ok || tf.getBackend() !== tfjs) {
    throw new TransformersError(
      'BACKEND_INIT_FAILED',
      `backend '${name}' failed to initialise: tf.setBackend('${tfjs}') returned false (tfjs logs the cause above)`,
    );
  }
  await tf.ready();
}

function parseName(value: string, where: string): BackendName | 'auto' {
  const v = value.trim();
  if (v === 'auto' || isBackendName(v)) return v;
  throw new TransformersError(
    'BACKEND_UNKNOWN',
    `${where} is '${value}', which is not a backend (expected one of: auto, ${BACKEND_NAMES.join(', ')})`,
  );
}

/**
 * Chooses, loads and activates the TensorFlow.js backend, and says what it chose and why.
 *
 * Order of precedence: the `backend` argument, else the TRANSFERJS_BACKEND environment variable,
 * else 'auto' (tensorflow-gpu, tensorflow, wasm, cpu: the first that loads). A named backend
 * that cannot load throws a TransformersError (`BACKEND_NOT_INSTALLED`, `BACKEND_NOT_SET_UP`,
 * `BACKEND_CORE_MISMATCH`, `BACKEND_INIT_FAILED`, `BACKEND_CONFLICT`) with the fix.
 *
 * @example
 * const choice = await useBackend();            // e.g. in a vitest setup file
 * // -> { name: 'tensorflow', tfjsBackend: 'tensorflow', source: 'auto',
 * //      reason: 'fastest backend that loads', skipped: [{ name: 'tensorflow-gpu', reason: ... }] }
 * await useBackend('wasm');                     // exactly wasm, or a TransformersError
 */
export async function useBackend(
  request?: BackendName | 'auto' | UseBackendOptions,
): Promise<BackendChoice> {
  const option = typeof request === 'string' ? request : request?.backend;
  const env = process.env[BACKEND_ENV];
  let wanted = option === undefined ? 'auto' : parseName(option, 'the backend option');
  let source: BackendChoice['source'] = wanted === 'auto' ? 'auto' : 'option';
  // The environment is read only when the caller left the choice open.
  if (wanted === 'auto' && env !== undefined && env.trim() !== '') {
    wanted = parseName(env, BACKEND_ENV);
    if (wanted !== 'auto') source = 'env';
  }

  if (wanted !== 'auto') {
    await activate(wanted);
    const reason = source === 'option' ? 'requested by the caller' : `${BACKEND_ENV}=${env}`;
    last = { name: wanted, tfjsBackend: tf.getBackend(), source, reason, skipped: [] };
    return last;
  }

  const skipped: { name: BackendName; reason: string }[] = [];
  const codes: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await activate(name);
    } catch (e) {
      if (!(e instanceof TransformersError)) throw e;
      skipped.push({ name, reason: e.message });
      codes.push(`${name}: ${e.code}`);
      continue;
    }
    const reason =
      codes.length === 0
        ? 'fastest backend that loads'
        : `fastest backend that loads (skipped ${codes.join(', ')})`;
    last = { name, tfjsBackend: tf.getBackend(), source, reason, skipped };
    return last;
  }
  throw new TransformersError(
    'BACKEND_NONE',
    `no TensorFlow.js backend loads: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

/** The last choice {@link useBackend} made in this process, or undefined before the first call. */
export function currentBackend(): BackendChoice | undefined {
  return last;
}
