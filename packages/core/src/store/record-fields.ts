/**
 * Field tables: one description per stored record type (payment, idempotency record, webhook receipt,
 * audit entry, event) of how each field is stored. A store supplies a {@link ColumnCodec} for its database
 * and gets its row mapping and its schema's column list from the table, instead of writing them by hand.
 */

/**
 * How a field's value is stored. Every database picks its own type per kind (see {@link ColumnTypes}).
 * - `text`: a string (amounts too: decimal strings, never floats);
 * - `integer`: a whole number;
 * - `boolean`;
 * - `timestamp`: a `Date`;
 * - `json`: a JSON value (object, array, primitive);
 * - `text-list`: an array of strings.
 */
export type FieldKind = 'text' | 'integer' | 'boolean' | 'timestamp' | 'json' | 'text-list';

export interface RecordField<T> {
  /** The property on the record. */
  readonly name: keyof T & string;
  /** The column (or document key) it is stored under: snake_case. */
  readonly column: string;
  readonly kind: FieldKind;
  /** Whether `null` is a valid value (a nullable column). */
  readonly nullable: boolean;
}

/** The database type of each kind, for generated column definitions. */
export type ColumnTypes = Readonly<Record<FieldKind, string>>;

/**
 * How one database represents each kind. A kind left out is stored as the JavaScript value itself.
 * `encode` and `decode` are never called with `null` or `undefined` (those are stored as null).
 */
export interface ColumnCodec {
  readonly encode?: Partial<Record<FieldKind, (value: never) => unknown>>;
  readonly decode?: Partial<Record<FieldKind, (value: never) => unknown>>;
}

/** Converts records of one table to rows keyed by column and back, for one codec. */
export interface RecordMapper<T> {
  readonly fields: readonly RecordField<T>[];
  /** The record as a row: `{ column: stored value }`, every field of the table. */
  toRow(record: T): Record<string, unknown>;
  /** The row's values in table order (for positional parameters). */
  toValues(record: T): unknown[];
  /** A row back to a record; extra columns of the row are ignored. A missing column reads as null. */
  fromRow(row: Readonly<Record<string, unknown>>): T;
  /** One field's value as stored. */
  encodeField(field: RecordField<T>, value: unknown): unknown;
}

type Convert = ((value: unknown) => unknown) | undefined;

/**
 * A mapper for `fields` under `codec`. The conversions are looked up once here, so mapping a row is one
 * pass over the fields (it runs on every read).
 */
export function createRecordMapper<T>(
  fields: readonly RecordField<T>[],
  codec: ColumnCodec,
): RecordMapper<T> {
  const encoders = fields.map((field) => codec.encode?.[field.kind] as Convert);
  const decoders = fields.map((field) => codec.decode?.[field.kind] as Convert);
  const encodeAt = (index: number, value: unknown): unknown => {
    const field = fields[index]!;
    // A non-nullable field holding null (a JSON payload that is `null`) is stored encoded, as the value it is.
    if ((value === null || value === undefined) && (field.nullable || field.kind !== 'json')) return null;
    const encode = encoders[index];
    return encode ? encode(value ?? null) : value;
  };
  return {
    fields,
    toRow(record) {
      const row: Record<string, unknown> = {};
      for (let index = 0; index < fields.length; index++) {
        const field = fields[index]!;
        row[field.column] = encodeAt(index, record[field.name]);
      }
      return row;
    },
    toValues(record) {
      return fields.map((field, index) => encodeAt(index, record[field.name]));
    },
    fromRow(row) {
      const record: Record<string, unknown> = {};
      for (let index = 0; index < fields.length; index++) {
        const field = fields[index]!;
        const value = row[field.column];
        const decode = decoders[index];
        record[field.name] = value === null || value === undefined ? null : decode ? decode(value) : value;
      }
      return record as T;
    },
    encodeField(field, value) {
      return encodeAt(fields.indexOf(field), value);
    },
  };
}

/** `column TYPE [NOT NULL]` for each field, in table order; `primaryKey` names the column declared PRIMARY KEY. */
export function columnDefinitions<T>(
  fields: readonly RecordField<T>[],
  types: ColumnTypes,
  primaryKey?: string,
): string[] {
  return fields.map((field) => columnDefinition(field, types, field.column === primaryKey));
}

/** One column's definition, e.g. for `ALTER TABLE payments ADD COLUMN ...` when a field is added. */
export function columnDefinition<T>(field: RecordField<T>, types: ColumnTypes, primaryKey = false): string {
  const constraint = primaryKey ? ' PRIMARY KEY' : field.nullable ? '' : ' NOT NULL';
  return `${field.column} ${types[field.kind]}${constraint}`;
}
