// Test helpers every example runs: the same smoke suite and the same server-process checks.

export { describeExampleObservability } from './observability-suite.js';
export { type ServerProcess, spawnServer } from './server-process.js';
export { describeExampleSmoke } from './smoke-suite.js';
export { describeServerProcess } from './startup-suite.js';
export { eventually, type JsonAnswer, startTestShop, type TestShop } from './test-shop.js';
