import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { TransformersError } from '../errors.js';

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder, fsync, rename over
 * the target, fsync of the folder. A crash leaves either the old file or the new one, never a
 * torn one.
 */
export async function writeFileAtomic(
  file: string,
  data: Uint8Array | string | readonly Uint8Array[],
): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      for (const chunk of data) await handle.writeFile(chunk);
    }
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself (directory entry). Not every platform lets a folder be opened.
  try {
    const dh = await fsp.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Windows cannot fsync a folder; the rename is still atomic there.
  }
}

/** Reads a UTF-8 JSON file; errors name the file and say whether it is missing or malformed. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TransformersError('FILE_NOT_FOUND', `${file}: file not found`, { cause: err });
    }
    throw new TransformersError('IO_ERROR', `${file}: cannot read (${(err as Error).message})`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TransformersError(
      'INVALID_JSON',
      `${file}: not valid JSON (${(err as Error).message})`,
      { cause: err },
    );
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a model folder: a plain folder holding config.json, or an HF hub cache folder
 * `models--org--name` (the snapshot named by refs/main, else the only snapshot), or a folder
 * holding exactly that cache layout one level down. Offline: nothing is fetched.
 *
 * `models--org--name/` -> `models--org--name/snapshots/<rev>/`
 */
export async function resolveModelDir(dir: string): Promise<string> {
  if (await fileExists(path.join(dir, 'config.json'))) return dir;
  const snapshots = path.join(dir, 'snapshots');
  if (await fileExists(snapshots)) {
    const refMain = path.join(dir, 'refs', 'main');
    if (await fileExists(refMain)) {
      const rev = (await fsp.readFile(refMain, 'utf8')).trim();
      const snap = path.join(snapshots, rev);
      if (await fileExists(path.join(snap, 'config.json'))) return snap;
      throw new TransformersError(
        'FILE_NOT_FOUND',
        `${dir}: refs/main names snapshot '${rev}' but ${snap}/config.json does not exist; the cache is incomplete (download the model again)`,
      );
    }
    const revs = (await fsp.readdir(snapshots)).filter((r) => !r.startsWith('.'));
    if (revs.length === 1 && revs[0] !== undefined) {
      const snap = path.join(snapshots, revs[0]);
      if (await fileExists(path.join(snap, 'config.json'))) return snap;
    }
    throw new TransformersError(
      'FILE_NOT_FOUND',
      `${dir}: HF cache folder without refs/main and with ${revs.length} snapshots (${revs.join(', ') || 'none'}); pass the snapshots/<rev> folder you want`,
    );
  }
  if (!(await fileExists(dir))) {
    throw new TransformersError('FILE_NOT_FOUND', `${dir}: model folder not found`);
  }
  throw new TransformersError(
    'FILE_NOT_FOUND',
    `${dir}/config.json: file not found; expected a model folder (config.json + model.safetensors) or an HF cache folder models--org--name/snapshots/<rev>/`,
  );
}
