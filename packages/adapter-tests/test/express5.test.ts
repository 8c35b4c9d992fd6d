import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { expressVariants } from './support/variants.js';

runHttpSuite(expressVariants('express 5'));
runMoneySuite(expressVariants('express 5'));
runOrdersSuite(expressVariants('express 5'));
runHealthSuite(expressVariants('express 5'));
