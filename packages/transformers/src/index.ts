/**
 * @transferjs/transformers. Everything public is named here; nothing else is part of the API.
 */
export { TransformersError } from './errors.js';
