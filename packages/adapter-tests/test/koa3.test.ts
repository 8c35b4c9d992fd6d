import Koa from 'koa';
import { runHealthSuite } from './support/health-suite.js';
import { runHttpSuite } from './support/http-suite.js';
import { runMoneySuite } from './support/money-suite.js';
import { runOrdersSuite } from './support/orders-suite.js';
import { koaVariants } from './support/variants.js';

runHttpSuite(koaVariants('koa 3', Koa));
runMoneySuite(koaVariants('koa 3', Koa));
runOrdersSuite(koaVariants('koa 3', Koa));
runHealthSuite(koaVariants('koa 3', Koa));
