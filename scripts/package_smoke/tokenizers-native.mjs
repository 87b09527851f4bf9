// Installed alone from its tarball: normalize and pre-tokenize a sentence natively.
import { PreTokenizer, TokenizerError } from '@transferjs/tokenizers-native';

const pre = PreTokenizer.fromJson({ type: 'BertPreTokenizer' }, { type: 'BertNormalizer' });
const words = pre.preTokenize('Crème brûlée, 北京!');
const got = words.map((w) => `${w.token}@${w.offsets.join('-')}`).join(' ');
const want = 'creme@0-5 brulee@6-12 ,@12-13 北@14-15 京@15-16 !@16-17';
if (got !== want) throw new Error(`expected ${want}, got ${got}`);
try {
  PreTokenizer.fromJson({ type: 'Nope' });
  throw new Error('expected a TokenizerError');
} catch (e) {
  if (!(e instanceof TokenizerError)) throw e;
}
console.log(`ok: ${got}`);
