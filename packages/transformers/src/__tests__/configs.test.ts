import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AlbertConfig,
  AutoConfig,
  BertConfig,
  DistilBertConfig,
  RobertaConfig,
  TransformersError,
} from '../index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'transformers-configs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, dict: unknown): string {
  const dir = path.join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'config.json'),
    typeof dict === 'string' ? dict : JSON.stringify(dict),
  );
  return dir;
}

function expectError(fn: () => unknown, code: string, ...parts: string[]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TransformersError);
    expect((err as TransformersError).code).toBe(code);
    for (const p of parts) expect((err as Error).message).toContain(p);
    return;
  }
  throw new Error('expected an error');
}

describe('configs', () => {
  it("BertConfig has HF's defaults", () => {
    const c = new BertConfig();
    expect(c.toDict()).toMatchObject({
      vocab_size: 30522,
      hidden_size: 768,
      num_hidden_layers: 12,
      num_attention_heads: 12,
      intermediate_size: 3072,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      initializer_range: 0.02,
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
      classifier_dropout: null,
      model_type: 'bert',
      id2label: { '0': 'LABEL_0', '1': 'LABEL_1' },
    });
    expect(c.num_labels).toBe(2);
  });

  it('defaults of the other families match HF', () => {
    expect(new RobertaConfig().toDict()).toMatchObject({
      vocab_size: 50265,
      pad_token_id: 1,
      bos_token_id: 0,
      eos_token_id: 2,
    });
    expect(new DistilBertConfig().toDict()).toMatchObject({
      dim: 768,
      n_layers: 6,
      n_heads: 12,
      hidden_dim: 3072,
      seq_classif_dropout: 0.2,
    });
    expect(new AlbertConfig().toDict()).toMatchObject({
      vocab_size: 30000,
      embedding_size: 128,
      hidden_size: 4096,
      num_attention_heads: 64,
      hidden_act: 'gelu_new',
      hidden_dropout_prob: 0,
      bos_token_id: 2,
      eos_token_id: 3,
    });
  });

  it('keeps unknown fields and writes them back', async () => {
    const dir = writeConfig('unknown', {
      model_type: 'bert',
      hidden_size: 32,
      num_attention_heads: 4,
      transformers_version: '4.40.0',
      gradient_checkpointing: false,
      my_custom: { nested: [1, 2] },
      id2label: { '0': 'neg', '1': 'neu', '2': 'pos' },
    });
    const config = await AutoConfig.fromPretrained(dir);
    expect(config).toBeInstanceOf(BertConfig);
    expect(config.num_labels).toBe(3);
    expect(config.label2id).toEqual({ neg: 0, neu: 1, pos: 2 });
    await config.saveToDir(path.join(tmp, 'unknown-out'));
    const back = JSON.parse(readFileSync(path.join(tmp, 'unknown-out', 'config.json'), 'utf8'));
    expect(back).toMatchObject({
      transformers_version: '4.40.0',
      gradient_checkpointing: false,
      my_custom: { nested: [1, 2] },
      hidden_size: 32,
    });
    const again = new BertConfig(back, 'back');
    expect(again.toDict()).toEqual(config.toDict());
  });

  it('num_labels builds LABEL_i names; overrides replace id2label', async () => {
    expect(new BertConfig({ num_labels: 4 }).id2label).toEqual({
      '0': 'LABEL_0',
      '1': 'LABEL_1',
      '2': 'LABEL_2',
      '3': 'LABEL_3',
    });
    expectError(
      () => new BertConfig({ num_labels: 3, id2label: { '0': 'a' } }),
      'INVALID_CONFIG',
      'num_labels',
    );
  });

  it('validates hidden_size % num_attention_heads, naming the file', async () => {
    const dir = writeConfig('heads', {
      model_type: 'bert',
      hidden_size: 768,
      num_attention_heads: 5,
    });
    await expect(AutoConfig.fromPretrained(dir)).rejects.toThrow(
      /config\.json: hidden_size \(768\) is not a multiple of num_attention_heads \(5\)/,
    );
    expectError(
      () => new DistilBertConfig({ dim: 30, n_heads: 4 }),
      'INVALID_CONFIG',
      'dim (30)',
      'n_heads (4)',
    );
  });

  it('rejects bad values with the field, expected and found', () => {
    expectError(
      () => new BertConfig({ num_hidden_layers: 0 }),
      'INVALID_CONFIG',
      "'num_hidden_layers'",
      'positive integer',
      '0',
    );
    expectError(
      () => new BertConfig({ hidden_size: 7.5 }),
      'INVALID_CONFIG',
      "'hidden_size'",
      '7.5',
    );
    expectError(
      () => new BertConfig({ hidden_act: 'gelu2' }),
      'INVALID_CONFIG',
      "'hidden_act'",
      "'gelu'",
      '"gelu2"',
    );
    expectError(
      () => new BertConfig({ hidden_dropout_prob: 1.5 }),
      'INVALID_CONFIG',
      "'hidden_dropout_prob'",
      '[0, 1]',
    );
    expectError(() => new BertConfig({ layer_norm_eps: -1 }), 'INVALID_CONFIG', "'layer_norm_eps'");
    expectError(
      () => new BertConfig({ problem_type: 'ranking' }),
      'INVALID_CONFIG',
      "'problem_type'",
    );
    expectError(
      () => new BertConfig({ position_embedding_type: 'relative_key' }),
      'INVALID_CONFIG',
      'relative_key',
    );
    expectError(() => new BertConfig({ is_decoder: true }), 'INVALID_CONFIG', 'is_decoder');
    expectError(
      () => new BertConfig({ vocab_size: 10, pad_token_id: 10 }),
      'INVALID_CONFIG',
      'pad_token_id',
    );
    expectError(() => new BertConfig({ id2label: { '1': 'a' } }), 'INVALID_CONFIG', 'id2label');
    expectError(
      () => new AlbertConfig({ num_hidden_layers: 2, num_hidden_groups: 3 }),
      'INVALID_CONFIG',
      'num_hidden_groups',
    );
    expectError(
      () => new RobertaConfig({ max_position_embeddings: 2, pad_token_id: 1 }),
      'INVALID_CONFIG',
      'max_position_embeddings',
    );
  });

  it('AutoConfig: unknown model_type lists the supported ones; missing / malformed files are typed', async () => {
    const dir = writeConfig('gpt2', { model_type: 'gpt2' });
    await expect(AutoConfig.fromPretrained(dir)).rejects.toThrow(
      /model_type "gpt2" is not supported \(supported: bert, distilbert, roberta, albert\)/,
    );
    const arch = writeConfig('arch', { architectures: ['RobertaForMaskedLM'] });
    expect((await AutoConfig.fromPretrained(arch)).model_type).toBe('roberta');
    const none = writeConfig('none', { hidden_size: 8 });
    await expect(AutoConfig.fromPretrained(none)).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL_TYPE',
    });
    const bad = writeConfig('bad', '{ "model_type": ');
    await expect(AutoConfig.fromPretrained(bad)).rejects.toMatchObject({ code: 'INVALID_JSON' });
    await expect(AutoConfig.fromPretrained(path.join(tmp, 'nope'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
    const arr = writeConfig('arr', '[1]');
    await expect(AutoConfig.fromPretrained(arr)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
