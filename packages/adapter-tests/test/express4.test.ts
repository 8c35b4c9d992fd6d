import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import express4 from 'express4';
import { expect, it, vi } from 'vitest';
import { runHttpSuite } from './support/http-suite.js';
import { memoryStore } from './support/stores.js';
import { expressVariants } from './support/variants.js';

// Express 4 for the host and for the adapter's `express.Router()` alike, as a real Express 4 app has it.
vi.mock('express', async () => await import('express4'));

it('builds its router with Express 4 here, not the Express 5 it was developed with', async () => {
  const router = clickpesaPayments({
    store: createMemoryStore(),
    authenticate: () => null,
    clickpesa: { clientId: 'id', apiKey: 'key', baseUrl: 'http://127.0.0.1:9/third-parties' },
    poller: false,
  });
  // An Express 4 router's prototype is `express.Router` itself (Express 5's router package differs).
  expect(Object.getPrototypeOf(router)).toBe(express4.Router);
  await router.payments.close();
});

runHttpSuite(expressVariants('express 4'), [memoryStore]);
