// Installed alone from its tarball: open a dataset saved by HF Python's `save_to_disk` (memory-
// mapped Arrow) and read its rows and features.
import { join } from 'node:path';
import { Dataset, DatasetError } from '@transferjs/datasets';

const dir = join(process.env.TRANSFERJS_FIXTURES, 'datasets', 'hf_saved');
const ds = await Dataset.loadFromDisk(dir);
const row = ds.get(0);
if (typeof row.text !== 'string' || ds.numRows < 1) throw new Error(`row 0: ${JSON.stringify(row)}`);
const shuffled = ds.shuffle({ seed: 42 }).select([0, 1]);
if (shuffled.numRows !== 2) throw new Error('shuffle/select');
try {
  await Dataset.loadFromDisk(join(dir, 'no-such-folder'));
  throw new Error('expected a DatasetError');
} catch (e) {
  if (!(e instanceof DatasetError)) throw e;
}
console.log(`ok: ${ds.numRows} rows, columns ${Object.keys(row).join(',')}`);
