// Installed alone from its tarball: the public entry loads and its error class is usable.
// (Grows into a real program as the package's API lands.)
import * as pkg from '@transferjs/datasets';

const names = Object.keys(pkg).sort();
if (names.length === 0) throw new Error('the package exports nothing');
console.log(`ok: exports ${names.join(', ')}`);
