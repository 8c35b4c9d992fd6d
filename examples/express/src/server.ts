// `pnpm start` (from the repository root) or `pnpm --dir examples/express start`.
// Environment: PORT, HOST, DATABASE_URL, API_TOKENS, CLICKPESA_* (none: the in-process sandbox).
// See examples/support/README.md.
import { runExample } from '@clickpesa-kit/example-support';
import { startShop } from './app.js';

await runExample('Express', startShop);
