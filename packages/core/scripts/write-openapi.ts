// Writes docs/openapi.json from the route schemas (`pnpm openapi`); a test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paymentsOpenApi } from '../src/http/openapi.js';

const target = join(import.meta.dirname, '..', '..', '..', 'docs', 'openapi.json');
writeFileSync(target, `${JSON.stringify(paymentsOpenApi(), null, 2)}\n`);
console.log(`wrote ${target}`);
