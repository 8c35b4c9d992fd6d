import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runPushLimitsSuite } from './support/limits-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { postgresStore, realStores, sqliteStore } from './support/stores.js';
import { expressVariants } from './support/variants.js';

// every suite on a real SQLite file and real PostgreSQL (the memory store runs in hono.test.ts); the money and
// order rules on each host variant × each store
const variants = expressVariants('express 5');
// the whole contract, and a 1,000-push bomb per block: each host variant once, without its body parser on
// SQLite and with it on PostgreSQL (the parser changes how the body arrives, not what the store does)
runHttpSuite(variants.slice(0, 1), [sqliteStore]);
runHttpSuite(variants.slice(1), [postgresStore]);
runMoneySuite(variants, realStores);
runOrdersSuite(variants, realStores);
runPushLimitsSuite(variants.slice(0, 1), [sqliteStore]);
runPushLimitsSuite(variants.slice(1), [postgresStore]);
runHealthSuite(variants);
