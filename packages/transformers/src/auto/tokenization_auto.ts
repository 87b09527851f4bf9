import * as path from 'node:path';
import { Tokenizer, TokenizerError } from '@transferjs/tokenizers-native';
import { TransformersError } from '../errors.js';
import { PreTrainedTokenizer, type TokenizerConfigDict } from '../tokenization_utils.js';
import { fileExists, readJsonFile, resolveModelDir } from '../utils/fs.js';

/**
 * HF AutoTokenizer: tokenizer.json (any fast tokenizer) or, without it, a BERT vocab.txt with
 * tokenizer_config.json (do_lower_case, special tokens), from a model folder or HF cache folder.
 *
 * @example
 * const tok = await AutoTokenizer.fromPretrained('./all-MiniLM-L6-v2');
 * (await tok.encode('Hello')).inputIds.arraySync() // [[101, 7592, 102]]
 */
export const AutoTokenizer = {
  async fromPretrained(dir: string): Promise<PreTrainedTokenizer> {
    const root = await resolveModelDir(dir).catch(async (err) => {
      // A tokenizer-only folder has no config.json.
      if (await fileExists(path.join(dir, 'tokenizer.json'))) return dir;
      if (await fileExists(path.join(dir, 'vocab.txt'))) return dir;
      throw err;
    });
    const cfgFile = path.join(root, 'tokenizer_config.json');
    let config: TokenizerConfigDict = {};
    if (await fileExists(cfgFile)) {
      const raw = await readJsonFile(cfgFile);
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new TransformersError('INVALID_CONFIG', `${cfgFile}: expected a JSON object`);
      }
      config = raw as TokenizerConfigDict;
    }
    const json = path.join(root, 'tokenizer.json');
    const vocab = path.join(root, 'vocab.txt');
    try {
      if (await fileExists(json))
        return new PreTrainedTokenizer(Tokenizer.fromFile(json), config, json);
      if (await fileExists(vocab)) {
        const files = (await fileExists(cfgFile)) ? { vocab, config: cfgFile } : { vocab };
        return new PreTrainedTokenizer(Tokenizer.fromPretrainedFiles(files), config, vocab);
      }
    } catch (err) {
      if (err instanceof TokenizerError)
        throw new TransformersError('TOKENIZER', err.message, { cause: err });
      throw err;
    }
    throw new TransformersError(
      'FILE_NOT_FOUND',
      `${root}: no tokenizer.json or vocab.txt; save the tokenizer with HF Python (tokenizer.save_pretrained(dir)) to get tokenizer.json`,
    );
  },
};
