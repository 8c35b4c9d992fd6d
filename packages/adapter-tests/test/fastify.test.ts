import { runSuitesOnRealStores } from './support/real-store-suites.js';
import { fastifyVariants } from './support/variants.js';

runSuitesOnRealStores(fastifyVariants('fastify 5'));
