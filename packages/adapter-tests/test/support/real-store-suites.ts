import { runHealthSuite } from './health-suite.js';
import type { HostVariant } from './host-conventions.js';
import { runHttpSuite } from './http-suite.js';
import { runPushLimitsSuite } from './limits-suite.js';
import { runMoneySuite } from './money-suite.js';
import { runOrdersSuite } from './orders-suite.js';
import { postgresStore, realStores, sqliteStore } from './stores.js';

/**
 * Every suite of one framework on a real SQLite file and real PostgreSQL (the memory store runs in
 * hono.test.ts). The money and order rules run on each host variant × each store. The whole contract and the
 * 1,000-push bomb run each host variant once: the plain host on SQLite, the one with its body parser on
 * PostgreSQL (the parser changes how the body arrives, not what the store does).
 */
export function runSuitesOnRealStores(variants: HostVariant[]): void {
  const [plain, ...withParser] = variants;
  const plainOnly = plain ? [plain] : [];
  runHttpSuite(plainOnly, [sqliteStore]);
  runHttpSuite(withParser, [postgresStore]);
  runMoneySuite(variants, realStores);
  runOrdersSuite(variants, realStores);
  runPushLimitsSuite(plainOnly, [sqliteStore]);
  runPushLimitsSuite(withParser, [postgresStore]);
  runHealthSuite(variants);
}
