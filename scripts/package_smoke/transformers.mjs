// Installed alone from its tarball: load a model folder (a BertForSequenceClassification made by
// HF Python for the parity fixtures), run it, and compare its logits with PyTorch's.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AutoModelForSequenceClassification, readSafetensors, useBackend } from '@transferjs/transformers';

const dir = join(process.env.TRANSFERJS_FIXTURES, 'transformers', 'bert', 'sequenceclassification');
const backend = await useBackend();
const model = await AutoModelForSequenceClassification.fromPretrained(dir);
const expected = (await readSafetensors(join(dir, 'expected.safetensors'))).tensors;
const input = (name) => {
  const t = expected.get(`in.${name}`);
  return tf.tensor(Array.from(t.data, Number), t.shape, 'int32');
};
const out = model.forward({
  inputIds: input('input_ids'),
  attentionMask: input('attention_mask'),
  tokenTypeIds: input('token_type_ids'),
});
const got = out.logits.dataSync();
const want = expected.get('out.logits').data;
let maxDiff = 0;
for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
if (!(maxDiff <= 1e-4)) throw new Error(`logits differ from PyTorch by ${maxDiff}`);
console.log(`ok: ${backend.name} backend, logits ${out.logits.shape} within ${maxDiff.toExponential(1)} of PyTorch`);
