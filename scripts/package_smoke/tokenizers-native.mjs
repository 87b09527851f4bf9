// Installed alone from its tarball: encode with a real WordPiece vocabulary (the cased vocab HF
// trained for the parity fixtures), check offsets and decode, and a typed error on bad input.
import { join } from 'node:path';
import { Tokenizer, TokenizerError } from '@transferjs/tokenizers-native';

const vocab = join(process.env.TRANSFERJS_FIXTURES, 'tokenizers', 'wordpiece', 'vocab_cased.txt');
const tok = Tokenizer.fromVocab(vocab, { lowercase: false });
const text = 'The whale, Moby Dick, swam north.';
const enc = tok.encode(text);
if (enc.tokens[0] !== '[CLS]' || enc.tokens.at(-1) !== '[SEP]') throw new Error(`tokens ${enc.tokens}`);
for (let i = 1; i < enc.tokens.length - 1; i++) {
  const [s, e] = enc.offsets[i];
  const piece = enc.tokens[i].replace(/^##/, '');
  if (text.slice(s, e) !== piece) throw new Error(`offsets of ${enc.tokens[i]}: ${s}-${e}`);
}
const decoded = tok.decode(enc.ids, { skipSpecialTokens: true });
if (decoded !== text) throw new Error(`decode gave ${JSON.stringify(decoded)}`);
const batch = await tok.encodeBatch([text, 'Call me Ishmael.']);
if (batch.length !== 2) throw new Error('encodeBatch');
try {
  tok.decode([10_000_000]);
  throw new Error('expected a TokenizerError');
} catch (e) {
  if (!(e instanceof TokenizerError)) throw e;
}
console.log(`ok: ${enc.ids.length} ids, offsets and decode round-trip, typed errors`);
