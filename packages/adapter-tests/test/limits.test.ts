import Koa from 'koa';
import { runLimitsSuite } from './support/limits-suite.js';
import { expressVariants, fastifyVariants, honoVariants, koaVariants } from './support/variants.js';

// each framework with and without its usual body parser (the limits hold either way), and a fetch runtime
runLimitsSuite([
  ...expressVariants('express 5'),
  ...fastifyVariants('fastify'),
  ...koaVariants('koa 3', Koa),
  ...honoVariants('hono (fetch adapter)'),
]);
