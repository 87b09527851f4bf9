/**
 * @transferjs/trainer. Everything public is named here; nothing else is part of the API.
 */
export { TrainerError } from './errors.js';
