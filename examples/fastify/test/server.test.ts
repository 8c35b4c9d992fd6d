import { fileURLToPath } from 'node:url';
import { describeServerProcess } from '@clickpesa-kit/example-support/testing';

describeServerProcess('Fastify', fileURLToPath(new URL('..', import.meta.url)));
