// The napi-generated loader (binding.cjs, one level above src/ and dist/) picks the .node file
// for this platform: a local build, or the per-platform package in optionalDependencies.
// Only this file imports it; the public API is the facade in the other modules.
import { createRequire } from 'node:module';
import type * as Binding from '../binding.cjs';

const require = createRequire(import.meta.url);

export const binding = require('../binding.cjs') as typeof Binding;
