/**
 * @transferjs/datasets. Everything public is named here; nothing else is part of the API.
 */
export { DatasetError } from './errors.js';
