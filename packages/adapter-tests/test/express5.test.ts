import { runSuitesOnRealStores } from './support/real-store-suites.js';
import { expressVariants } from './support/variants.js';

runSuitesOnRealStores(expressVariants('express 5'));
