// `pnpm --dir examples/fastify start`.
// Environment: PORT, HOST, DATABASE_URL, API_TOKENS, CLICKPESA_* (none: the in-process sandbox).
// See examples/support/README.md.
import { runExample } from '@clickpesa-kit/example-support';
import { startShop } from './app.js';

await runExample('Fastify', startShop);
