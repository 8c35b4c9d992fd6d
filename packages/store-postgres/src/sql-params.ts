/** Collects positional parameters while a statement is assembled: `params.add(value, 'text')` → `$3::text`. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }
}

/** Quotes a schema name after checking it is a plain identifier (it is interpolated into SQL). */
export function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(`Invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  return `"${schema}"`;
}
