import { runHttpSuite } from './support/http-suite.js';
import { expressVariants } from './support/variants.js';

runHttpSuite(expressVariants('express 5'));
