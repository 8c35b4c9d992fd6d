import Koa from 'koa';
import { runHttpSuite } from './support/http-suite.js';
import { runPushLimitsSuite } from './support/limits-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { memoryStore, postgresStore, realStores, sqliteStore } from './support/stores.js';
import { koaVariants } from './support/variants.js';

// the contract on the memory store; the money, order and push-limit rules on a real SQLite file and real PostgreSQL
const variants = koaVariants('koa 3', Koa);
runHttpSuite(variants, [memoryStore]);
runMoneySuite(variants, realStores);
runOrdersSuite(variants, realStores);
// a 1,000-push bomb per block: each host variant once, without its body parser on SQLite and with it on
// PostgreSQL (the parser changes how the body arrives, not how the store counts)
runPushLimitsSuite(variants.slice(0, 1), [sqliteStore]);
runPushLimitsSuite(variants.slice(1), [postgresStore]);
