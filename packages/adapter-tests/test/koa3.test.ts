import Koa from 'koa';
import { runSuitesOnRealStores } from './support/real-store-suites.js';
import { koaVariants } from './support/variants.js';

runSuitesOnRealStores(koaVariants('koa 3', Koa));
