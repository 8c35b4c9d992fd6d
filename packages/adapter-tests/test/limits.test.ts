import Koa from 'koa';
import { runLimitsSuite } from './support/limits-suite.js';
import { expressVariants, fastifyVariants, koaVariants } from './support/variants.js';

// each framework with and without its usual body parser: the limits hold either way
runLimitsSuite([
  ...expressVariants('express 5'),
  ...fastifyVariants('fastify'),
  ...koaVariants('koa 3', Koa),
]);
