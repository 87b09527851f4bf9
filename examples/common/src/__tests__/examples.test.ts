// Every example except the demo (demo.test.ts), in smoke mode, checked on what it really wrote
// and printed.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@transferjs/tokenizers-native';
import { AutoModelForSequenceClassification, AutoTokenizer } from '@transferjs/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { findMiniLM } from '../index.js';
import { type ExampleRun, examplesDir, runExample } from './run_example.js';

const runs: ExampleRun[] = [];
afterAll(() => {
  for (const r of runs) rmSync(r.out, { recursive: true, force: true });
});
function run(name: string, args: readonly string[] = []): ExampleRun {
  const r = runExample(name, args);
  runs.push(r);
  return r;
}
const HF_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const number = (text: string, re: RegExp): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`no match for ${re} in:\n${text}`);
  return Number(m[1]);
};

describe('examples in smoke mode', () => {
  it('train-tokenizer writes tokenizer.json files that load and round-trip the sample', () => {
    const r = run('train-tokenizer');
    for (const model of ['wordpiece', 'bpe', 'unigram']) {
      const file = join(r.out, model, 'tokenizer.json');
      expect(existsSync(file), file).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8')).model.vocab).toBeDefined();
    }
    const wp = Tokenizer.fromFile(join(r.out, 'wordpiece', 'tokenizer.json'));
    expect(wp.vocabSize({ withAddedTokens: true })).toBe(400);
    expect(r.stdout).toMatch(/decoded: call me ishmael\. some years ago/);
    expect(r.stdout).toMatch(/\| wordpiece \| 400 /);
  });

  it('pretrain-mlm pre-trains, checkpoints, saves an HF folder and fills masks', async () => {
    const r = run('pretrain-mlm');
    const losses =
      /loss \(MLM \+ NSP\): ([\d. ]+)/.exec(r.stdout)?.[1]?.trim().split(' ').map(Number) ?? [];
    expect(losses.length).toBe(6);
    for (const l of losses) expect(l).toBeGreaterThan(0);
    expect(existsSync(join(r.out, 'checkpoints', 'checkpoint-6', 'optimizer.safetensors'))).toBe(
      true,
    );
    for (const f of [...HF_FILES, 'vocab.txt'])
      expect(existsSync(join(r.out, 'model', f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(r.out, 'model', 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForPreTraining']);
    expect(
      r.stdout.match(/^.*\[MASK\].* -> \S+ \(\d\.\d\d\), \S+ \(\d\.\d\d\), \S+ \(\d\.\d\d\)$/gm)
        ?.length,
    ).toBe(3);
  });

  it('sentiment-finetune fine-tunes, saves a folder the Auto classes load, and classifies', async () => {
    const r = run('sentiment-finetune');
    const accuracy = number(r.stdout, /held-out accuracy (\d\.\d+)/);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(r.stdout.match(/^(positive|negative) \(\d\.\d\d\) {2}/gm)?.length).toBe(3);
    const dir = join(r.out, 'model');
    for (const f of HF_FILES) expect(existsSync(join(dir, f)), f).toBe(true);
    const model = await AutoModelForSequenceClassification.fromPretrained(dir, { strict: true });
    expect(model.config.id2label).toEqual({ 0: 'negative', 1: 'positive' });
    model.dispose();
    expect((await AutoTokenizer.fromPretrained(dir)).maskToken).toBe('[MASK]');
  });

  it('glue-finetune reads a GLUE folder and reports the task metric (mrpc: accuracy + F1)', () => {
    const r = run('glue-finetune');
    expect(r.stdout).toMatch(/10 train \/ 6 validation rows; columns sentence1, sentence2/);
    const acc = number(r.stdout, /eval_accuracy (\d\.\d+)/);
    const f1 = number(r.stdout, /eval_f1 (\d\.\d+)/);
    for (const v of [acc, f1]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(existsSync(join(r.out, 'mrpc', 'model', 'model.safetensors'))).toBe(true);
  });

  it('glue-finetune runs a regression task (stsb: Pearson / Spearman)', () => {
    const r = run('glue-finetune', ['--task', 'stsb']);
    const pearson = number(r.stdout, /eval_pearson (-?\d\.\d+)/);
    expect(pearson).toBeGreaterThanOrEqual(-1);
    expect(pearson).toBeLessThanOrEqual(1);
  });

  it('feature-extraction trains a logistic regression on frozen embeddings', () => {
    const r = run('feature-extraction');
    expect(r.stdout).toMatch(/embedded 200 sentences into 32 numbers each/);
    const losses = [...r.stdout.matchAll(/step \d+: loss (\d\.\d+)/g)].map((m) => Number(m[1]));
    expect(losses.length).toBeGreaterThan(2);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number); // full-batch Adam on a convex loss
    expect(r.stdout).toMatch(
      /held-out accuracy \d\.\d+, F1 \d\.\d+ \(40 sentences; 33 trained parameters\)/,
    );
  });

  it('strategies prints one row per strategy with nested trainable parameter counts', () => {
    const r = run('strategies');
    const rows = [
      ...r.stdout.matchAll(
        /^\| (full|partial \(top 1 layers\)|feature-extraction)\s+\|.*\| ([\d.]+ k|\d+) of ([\d.]+ k)\s+\|$/gm,
      ),
    ];
    expect(rows.map((m) => m[1])).toEqual(['full', 'partial (top 1 layers)', 'feature-extraction']);
    expect(rows[0]?.[2]).toBe(rows[0]?.[3]); // full trains everything
    expect(rows[2]?.[2]).toBe('66'); // the classifier: 2 x 32 + 2
  });

  it('pretrained-minilm uses all-MiniLM-L6-v2 when present, else says how to get it', () => {
    const r = run('pretrained-minilm');
    if (findMiniLM(resolve(examplesDir))) {
      expect(r.stdout).toMatch(/cosine similarity of 384-number sentence embeddings/);
      // the two restaurant sentences are each other's nearest neighbours
      const first = /^\s+1\.00\s+(\d\.\d\d)\s+(\d\.\d\d)\s+(\d\.\d\d)\s+The food/m.exec(r.stdout);
      expect(Number(first?.[1])).toBeGreaterThan(Math.max(Number(first?.[2]), Number(first?.[3])));
      expect(r.stdout).toMatch(/fine-tuned all 22\.7M parameters for 1 steps/);
    } else {
      expect(r.stdout).toMatch(/all-MiniLM-L6-v2 is not on this machine.*fetch:minilm/);
    }
  });
});
