export * from './callbacks.js';
export * from './fault.js';
