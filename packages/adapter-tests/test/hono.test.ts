import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { honoVariants } from './support/variants.js';

runHttpSuite(honoVariants('hono (fetch adapter)'));
runMoneySuite(honoVariants('hono (fetch adapter)'));
runOrdersSuite(honoVariants('hono (fetch adapter)'));
runHealthSuite(honoVariants('hono (fetch adapter)'));
