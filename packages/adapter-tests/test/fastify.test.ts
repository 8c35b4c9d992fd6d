import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { fastifyVariants } from './support/variants.js';

runHttpSuite(fastifyVariants('fastify 5'));
runMoneySuite(fastifyVariants('fastify 5'));
runOrdersSuite(fastifyVariants('fastify 5'));
runHealthSuite(fastifyVariants('fastify 5'));
