import Koa from 'koa';
import { runPushSuite } from './support/push-suite.js';
import { expressVariants, fastifyVariants, honoVariants, koaVariants } from './support/variants.js';

// the push routes (event stream, long poll) on each framework and a fetch runtime
runPushSuite([
  ...expressVariants('express 5').slice(0, 1),
  ...fastifyVariants('fastify').slice(0, 1),
  ...koaVariants('koa 3', Koa).slice(0, 1),
  ...honoVariants('hono (fetch adapter)'),
]);
