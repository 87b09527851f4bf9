#!/usr/bin/env node
// Publishability check: every public package, packed as users get it, installs alone with npm
// in an empty project (no monorepo, no pnpm, no Rust toolchain on PATH) and runs a small real
// program against its public API.
//
//   1. `pnpm pack` each public package (workspace:* becomes a real version);
//   2. native packages: generate the per-platform binary packages the napi way
//      (`napi create-npm-dirs` + `napi artifacts` into a scratch folder), pack the one for this
//      platform, and add the optionalDependencies to the packed main package as a release does;
//   3. publint and @arethetypeswrong/cli on each tarball;
//   4. per package: a fresh npm project, `npm install` of its tarball plus the tarballs of its
//      workspace dependencies, PATH without cargo/rustc, then scripts/package_smoke/<name>.mjs;
//   5. a dry-run release (`changeset version` on a scratch copy of the repository) and a check
//      that the working tree is unchanged.
// Prints one line per package (tarball size, smoke result) and exits non-zero on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'transferjs-pack-'));
const tarballs = join(scratch, 'tarballs');
mkdirSync(tarballs);
const results = [];
const cleanups = [scratch];
let failures = 0;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${out}`);
  }
  return r.stdout ?? '';
}

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const kb = (f) => `${(statSync(f).size / 1024).toFixed(1)} kB`;

// Packages in dependency order (a package's workspace deps come first).
const pkgs = readdirSync(join(root, 'packages'))
  .map((d) => ({ dir: join(root, 'packages', d), json: readJson(join(root, 'packages', d, 'package.json')) }))
  .filter((p) => !p.json.private);
const byName = new Map(pkgs.map((p) => [p.json.name, p]));
const workspaceDeps = (p) =>
  Object.entries({ ...p.json.dependencies, ...p.json.peerDependencies, ...p.json.optionalDependencies })
    .filter(([, v]) => String(v).startsWith('workspace:'))
    .map(([n]) => n);

// 1-2. Pack.
const packed = new Map(); // name -> [tarball, ...platform tarballs]
for (const p of pkgs) {
  const out = sh('pnpm', ['pack', '--pack-destination', tarballs], { cwd: p.dir });
  const tgz = out.trim().split('\n').map((l) => l.trim()).filter((l) => l.endsWith('.tgz')).pop();
  if (!tgz) throw new Error(`pnpm pack printed no tarball for ${p.json.name}`);
  const file = tgz.startsWith('/') ? tgz : join(tarballs, basename(tgz));
  const files = [file];
  if (p.json.napi) files.push(...packNative(p, file));
  packed.set(p.json.name, files);
}

function packNative(p, mainTgz) {
  // napi keeps managed folders inside the package: generate into <pkg>/npm (git-ignored) and
  // remove it afterwards.
  const npmDir = join(p.dir, 'npm');
  rmSync(npmDir, { recursive: true, force: true });
  cleanups.push(npmDir);
  const napiBin = join(p.dir, 'node_modules', '.bin', 'napi');
  sh(napiBin, ['create-npm-dirs', '--npm-dir', npmDir], { cwd: p.dir });
  // Only this machine's binary exists (CI builds the others): copy it into its package, as
  // `napi artifacts` does, and pack that one.
  const platformPkgs = readdirSync(npmDir).map((d) => join(npmDir, d));
  const built = platformPkgs.filter((d) => {
    const node = readJson(join(d, 'package.json')).main;
    if (!existsSync(join(p.dir, node))) return false;
    cpSync(join(p.dir, node), join(d, node));
    return true;
  });
  if (built.length === 0) throw new Error(`${p.json.name}: no .node built for this platform`);
  const out = [];
  for (const d of built) {
    const o = sh('npm', ['pack', '--pack-destination', tarballs], { cwd: d });
    out.push(join(tarballs, o.trim().split('\n').pop()));
  }
  // What `napi pre-publish` does to the main package: every platform package becomes an
  // optionalDependency at the same version.
  const unpacked = join(scratch, 'unpacked', basename(p.dir));
  mkdirSync(unpacked, { recursive: true });
  sh('tar', ['xzf', mainTgz, '-C', unpacked]);
  const pj = join(unpacked, 'package', 'package.json');
  const json = readJson(pj);
  json.optionalDependencies = Object.fromEntries(
    platformPkgs.map((d) => [readJson(join(d, 'package.json')).name, json.version]),
  );
  writeFileSync(pj, `${JSON.stringify(json, null, 2)}\n`);
  rmSync(mainTgz);
  sh('npm', ['pack', '--pack-destination', tarballs], { cwd: join(unpacked, 'package') });
  return out;
}

// 3. Lint the packages as packed.
const bin = (name) => join(root, 'node_modules', '.bin', name);
for (const [name, [tgz]] of packed) {
  for (const [tool, args] of [
    ['publint', ['run', tgz, '--strict']],
    ['attw', [tgz, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    const r = spawnSync(bin(tool), args, { encoding: 'utf8' });
    if (r.status !== 0) {
      failures++;
      console.log(`${name}: ${tool} failed\n${r.stdout}${r.stderr}`);
    }
  }
}

// 4. Install each package alone and run its smoke program.
const noRust = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((d) => !existsSync(join(d, 'cargo')) && !existsSync(join(d, 'rustc')))
  .join(delimiter);
for (const p of pkgs) {
  const name = p.json.name;
  const short = basename(p.dir);
  const smoke = join(root, 'scripts', 'package_smoke', `${short}.mjs`);
  const closure = [];
  const visit = (n) => {
    if (closure.includes(n)) return;
    const dep = byName.get(n);
    if (!dep) throw new Error(`${name}: workspace dependency ${n} is not a public package`);
    for (const d of workspaceDeps(dep)) visit(d);
    closure.push(n);
  };
  visit(name);
  const files = closure.flatMap((n) => packed.get(n) ?? []);
  const project = join(scratch, 'projects', short);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `smoke-${short}`, private: true, type: 'module' }));
  const env = { ...process.env, PATH: noRust, TRANSFERJS_FIXTURES: join(root, 'fixtures') };
  let result;
  try {
    sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], { cwd: project, env });
    if (!existsSync(smoke)) throw new Error(`no smoke program ${basename(smoke)}`);
    cpSync(smoke, join(project, 'smoke.mjs'));
    result = sh(process.execPath, ['smoke.mjs'], { cwd: project, env }).trim().split('\n').pop();
    // Every CLI the package ships runs through npx from the installed tarball.
    for (const bin of Object.keys(typeof p.json.bin === 'string' ? { [short]: p.json.bin } : (p.json.bin ?? {}))) {
      sh('npx', ['--no-install', bin, '--help'], { cwd: project, env });
      result += `; npx ${bin} --help ok`;
    }
  } catch (e) {
    failures++;
    result = `FAILED: ${e.message}`;
  }
  results.push(`${name.padEnd(32)} ${kb(packed.get(name)[0]).padStart(10)}  ${result}`);
}

// 5. Dry-run release on a scratch copy; the working tree must not change.
const before = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
try {
  const copy = join(scratch, 'release');
  for (const f of execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n')) {
    if (!f) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(root, f), join(copy, f));
  }
  cpSync(join(root, 'node_modules'), join(copy, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  sh('git', ['init', '-q'], { cwd: copy });
  sh(bin('changeset'), ['version'], { cwd: copy });
  const bumped = pkgs.map((p) => `${p.json.name}@${readJson(join(copy, 'packages', basename(p.dir), 'package.json')).version}`);
  results.push(`dry-run release: ${bumped.join(', ')}`);
} catch (e) {
  failures++;
  results.push(`dry-run release FAILED: ${e.message}`);
}
const after = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
if (after !== before) {
  failures++;
  results.push('the check changed the working tree');
}

console.log('\n== packages ==');
for (const r of results) console.log(r);
for (const d of cleanups) rmSync(d, { recursive: true, force: true });
const passed = results.filter((r) => / {2}ok: /.test(r)).length;
console.log(`packages: ${passed} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
