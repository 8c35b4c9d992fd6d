import { fileURLToPath } from 'node:url';
import { describeServerProcess } from '@clickpesa-kit/example-support/testing';

describeServerProcess('Koa', fileURLToPath(new URL('..', import.meta.url)));
