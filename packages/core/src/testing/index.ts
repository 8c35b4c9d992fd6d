export * from './faulty-store.js';
