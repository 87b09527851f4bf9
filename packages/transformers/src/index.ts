/**
 * @transferjs/transformers. Everything public is named here; nothing else is part of the API.
 */
export { TransformersError } from './errors.js';

// Backends
export { useBackend, currentBackend, BACKEND_NAMES, BACKEND_ENV } from './backends/backend.js';
export type { BackendName, BackendChoice, UseBackendOptions } from './backends/backend.js';
