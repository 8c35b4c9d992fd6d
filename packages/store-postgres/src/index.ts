export { DEFAULT_SCHEMA, type MigrateOptions, migratePostgres } from './migrate.js';
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { MIGRATIONS as POSTGRES_MIGRATIONS, type Migration as PostgresMigration } from './schema.js';
