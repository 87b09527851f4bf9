import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BertConfig, BertForSequenceClassification, useBackend } from '@transferjs/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMetrics, runGlue, TrainerError } from '../index.js';
import { seedWeights, sentimentSentences, TinyWordPiece } from './text.js';

const root = mkdtempSync(join(tmpdir(), 'transferjs-run-glue-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// An SST-2 folder in the GLUE distribution's layout (sentence<TAB>label) built from the real UCI
// sentiment sentences, and a tiny BERT model folder with a WordPiece vocab.txt built from them.
let backend = '';
beforeAll(async () => {
  backend = (await useBackend()).name;
  const all = sentimentSentences();
  const clean = (t: string) => t.replace(/[\t\n\r]/g, ' ').trim();
  const tsv = (rows: typeof all) =>
    `sentence\tlabel\n${rows.map((r) => `${clean(r.text)}\t${r.label}`).join('\n')}\n`;
  mkdirSync(join(root, 'glue', 'SST-2'), { recursive: true });
  writeFileSync(join(root, 'glue', 'SST-2', 'train.tsv'), tsv(all.filter((_, i) => i % 5 !== 0)));
  writeFileSync(join(root, 'glue', 'SST-2', 'dev.tsv'), tsv(all.filter((_, i) => i % 5 === 0)));
  const wp = new TinyWordPiece(all.filter((_, i) => i % 5 !== 0).map((s) => s.text));
  const model = new BertForSequenceClassification(
    new BertConfig({
      vocab_size: wp.vocab.length,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
      // no dropout + seeded weights: the run is reproducible, not a lucky draw
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
    }),
  );
  seedWeights(model.namedParameters(), 7, tf.randomNormal);
  const dir = join(root, 'model');
  await model.savePretrained(dir);
  model.dispose();
  writeFileSync(join(dir, 'vocab.txt'), `${wp.vocab.join('\n')}\n`);
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ do_lower_case: true, model_max_length: 64 }),
  );
});

describe('run_glue', () => {
  it('fine-tunes on an SST-2 folder, prints HF metric blocks and writes the model folder', async () => {
    const lines: string[] = [];
    const out = join(root, 'out');
    const result = await runGlue(
      [
        '--task_name',
        'sst2',
        '--model_name_or_path',
        join(root, 'model'),
        '--data_dir',
        join(root, 'glue'),
        '--output_dir',
        out,
        '--do_train',
        '--do_eval',
        '--max_seq_length',
        '40',
        '--per_device_train_batch_size',
        '32',
        '--per_device_eval_batch_size',
        '64',
        '--learning_rate',
        '2e-3',
        '--num_train_epochs',
        '2',
        // half the sentences keep the suite within its time budget (the sentiment test in
        // bert.test.ts trains on all of them)
        '--max_train_samples',
        '1200',
        '--warmup_ratio',
        '0.1',
        '--logging_steps',
        '1000',
        '--save_strategy',
        'no',
      ],
      { print: (l) => lines.push(l) },
    );
    const text = lines.join('\n');
    console.log(text);
    expect(text).toContain('***** train metrics *****');
    expect(text).toContain('***** eval metrics *****');
    expect(text).toMatch(/ {2}eval_accuracy +=/);
    expect(result.eval?.eval_accuracy).toBeGreaterThan(0.68);
    expect(result.train?.train_samples).toBe(1200);
    expect(backend).not.toBe('');
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'all_results.json',
      'eval_results.json',
      'train_results.json',
      'trainer_state.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'positive' });
    expect(config.finetuning_task).toBe('sst2');
  });

  it('formats metrics as HF log_metrics', () => {
    expect(formatMetrics('eval', { eval_loss: 0.123456, eval_runtime: 3.5, epoch: 2 })).toBe(
      [
        '***** eval metrics *****',
        '  epoch        =          2',
        '  eval_loss    =     0.1235',
        '  eval_runtime = 0:00:03.50',
      ].join('\n'),
    );
  });

  it('--help prints the usage and runs nothing', async () => {
    const lines: string[] = [];
    const result = await runGlue(['--help'], { print: (l) => lines.push(l) });
    expect(result).toEqual({});
    expect(lines.join('\n')).toMatch(/^usage: transferjs-run-glue --task_name <cola\|mnli/);
  });

  it('rejects bad command lines with the usage', async () => {
    await expect(runGlue(['--task_name', 'squad'])).rejects.toThrow(
      /unknown --task_name 'squad'.*\n.*usage/s,
    );
    await expect(
      runGlue(['--task_name', 'sst2', '--data_dir', 'x', '--output_dir', 'y']),
    ).rejects.toThrow(/--model_name_or_path is required/);
    await expect(runGlue(['--bogus'])).rejects.toBeInstanceOf(TrainerError);
    await expect(
      runGlue([
        '--task_name',
        'sst2',
        '--model_name_or_path',
        'm',
        '--data_dir',
        'd',
        '--output_dir',
        'o',
      ]),
    ).rejects.toThrow(/nothing to do/);
  });
});
