import { runHttpSuite } from './support/http-suite.js';
import { honoVariants } from './support/variants.js';

runHttpSuite(honoVariants('hono (fetch adapter)'));
