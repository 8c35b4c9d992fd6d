import type { PaymentRecord } from '@clickpesa-kit/core';
import {
  columnDefinition,
  createRecordMapper,
  PAYMENT_FIELDS,
  type PaymentField,
} from '@clickpesa-kit/core/store';
import { makePayment } from '@clickpesa-kit/store-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateWith } from '../src/migrate.js';
import { POSTGRES_CODEC, POSTGRES_TYPES } from '../src/rows.js';
import { MIGRATIONS, type Migration, postgresBaseline } from '../src/schema.js';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;

/** The field table with one more field, as a developer adding one would write it. */
const withNewField: readonly PaymentField[] = [
  ...PAYMENT_FIELDS,
  {
    name: 'channelHint' as keyof PaymentRecord,
    column: 'channel_hint',
    kind: 'text',
    nullable: true,
    access: 'mutable',
  },
];

suite('PostgreSQL schema from the payment field table', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];
  const migrated = async (migrations: readonly Migration[], baseline?: string, schema = uniqueSchema()) => {
    if (!schemas.includes(schema)) schemas.push(schema);
    await migrateWith(pool, schema, migrations, baseline);
    return schema;
  };
  /** Every column (name, type, null, default) and index of a schema, position left out. */
  const schemaOf = async (schema: string) => {
    const columns = await pool.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = $1 ORDER BY table_name, column_name`,
      [schema],
    );
    const indexes = await pool.query(
      'SELECT tablename, indexname, replace(indexdef, $1, $2) AS def FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
      [schema, 'S'],
    );
    const versions = await pool.query(
      `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
    );
    const strip = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
      rows.map((row) => ({
        ...row,
        column_default:
          typeof row.column_default === 'string'
            ? row.column_default.replaceAll(schema, 'S')
            : row.column_default,
      }));
    return { columns: strip(columns.rows), indexes: indexes.rows, versions: versions.rows };
  };

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(database.url!, schema);
    await pool.end();
  });

  it('a new schema (baseline) and an old one (every migration replayed) are the same', async () => {
    const fresh = await migrated(MIGRATIONS, postgresBaseline());
    const replayed = await migrated(MIGRATIONS);
    expect(await schemaOf(fresh)).toEqual(await schemaOf(replayed));
  });

  it('a field added to the table reaches the DDL and the row mapping; an old schema migrates to the same', async () => {
    const added = withNewField.at(-1)!;
    expect(postgresBaseline(withNewField)).toContain('channel_hint text,');
    const migrations: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'channel hint',
        sql: `ALTER TABLE payments ADD COLUMN ${columnDefinition(added, POSTGRES_TYPES)}`,
      },
    ];
    const old = await migrated(MIGRATIONS);
    await migrated(migrations, undefined, old);
    const fresh = await migrated(migrations, postgresBaseline(withNewField));
    const after = await schemaOf(fresh);
    expect(after.columns.map((column) => column.column_name)).toContain('channel_hint');
    expect(await schemaOf(old)).toEqual(after);

    const rows = createRecordMapper(withNewField, POSTGRES_CODEC);
    const payment = { ...makePayment(), channelHint: 'ussd' } as PaymentRecord;
    expect(rows.toRow(payment).channel_hint).toBe('ussd');
    expect(
      rows.fromRow({
        ...rows.toRow(payment),
        metadata: payment.metadata,
        provider_status: payment.providerStatus,
      }),
    ).toEqual(payment);
  });
});
