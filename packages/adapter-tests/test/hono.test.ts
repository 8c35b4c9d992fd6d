import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runPushLimitsSuite } from './support/limits-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { memoryStore } from './support/stores.js';
import { honoVariants } from './support/variants.js';

// the one framework that keeps every suite on the memory store
const variants = honoVariants('hono (fetch adapter)');
runHttpSuite(variants, [memoryStore]);
runMoneySuite(variants, [memoryStore]);
runOrdersSuite(variants, [memoryStore]);
runPushLimitsSuite(variants, [memoryStore]);
runHealthSuite(variants);
