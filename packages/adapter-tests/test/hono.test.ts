import { runHttpSuite } from './support/http-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { honoVariants } from './support/variants.js';

runHttpSuite(honoVariants('hono (fetch adapter)'));
runMoneySuite(honoVariants('hono (fetch adapter)'));
