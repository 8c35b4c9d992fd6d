#!/usr/bin/env node
// clickpesa-kit-postgres-migrate [--schema <name>]: applies the store's migrations to DATABASE_URL.
import { parseArgs } from 'node:util';
import { DEFAULT_SCHEMA, migratePostgres } from './migrate.js';

const usage = 'Usage: DATABASE_URL=postgres://... clickpesa-kit-postgres-migrate [--schema <name>]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    console.error(`DATABASE_URL is not set.\n${usage}`);
    return 2;
  }
  const schema = values.schema ?? DEFAULT_SCHEMA;
  const applied = await migratePostgres({ connectionString, schema });
  console.log(
    applied.length === 0
      ? `Schema "${schema}" is up to date.`
      : `Schema "${schema}": applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}.`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The message never contains the connection string (and so never its password).
    console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
