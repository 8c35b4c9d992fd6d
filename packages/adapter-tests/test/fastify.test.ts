import { runHttpSuite } from './support/http-suite.js';
import { fastifyVariants } from './support/variants.js';

runHttpSuite(fastifyVariants('fastify 5'));
