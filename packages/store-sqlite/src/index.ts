export { migrateSqlite } from './migrate.js';
export type { SqliteDriver } from './open-database.js';
export { MIGRATIONS as SQLITE_MIGRATIONS, type Migration as SqliteMigration } from './schema.js';
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
