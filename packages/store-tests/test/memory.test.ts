import { createMemoryStore } from '@clickpesa-kit/core';
import { runStoreConformanceTests } from '../src/index.js';

runStoreConformanceTests({ name: 'memory', createStore: () => createMemoryStore() });
