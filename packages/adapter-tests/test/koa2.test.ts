import Koa2 from 'koa2';
import { runHttpSuite } from './support/http-suite.js';
import { memoryStore } from './support/stores.js';
import { koaVariants } from './support/variants.js';

runHttpSuite(koaVariants('koa 2', Koa2), [memoryStore]);
