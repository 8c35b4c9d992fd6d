import Koa from 'koa';
import { runWebhookGuardsSuite } from './support/limits-suite.js';
import { memoryStore } from './support/stores.js';
import { expressVariants, fastifyVariants, honoVariants, koaVariants } from './support/variants.js';

// each framework with and without its usual body parser (the guards hold either way), and a fetch runtime;
// the guards act before any store work, so the memory store is enough (the push limits run on every store)
runWebhookGuardsSuite(
  [
    ...expressVariants('express 5'),
    ...fastifyVariants('fastify'),
    ...koaVariants('koa 3', Koa),
    ...honoVariants('hono (fetch adapter)'),
  ],
  [memoryStore],
);
