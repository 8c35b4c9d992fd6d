import { describe, expect, it } from 'vitest';
import { isJsonContentType } from '../../src/http/request-body.js';
import { assertSafeJsonValue, parseJsonSafely, UnsafeJsonError } from '../../src/shared/safe-json.js';

function problemOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof UnsafeJsonError ? error.problem : 'other';
  }
}

describe('parseJsonSafely', () => {
  it('parses ordinary JSON, keeps the last duplicate key and tolerates a BOM', () => {
    expect(parseJsonSafely('{"a":1,"a":2,"b":[{"c":"{["}]}')).toEqual({ a: 2, b: [{ c: '{[' }] });
    expect(parseJsonSafely('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it('rejects prototype-poisoning keys anywhere in the document', () => {
    expect(problemOf(() => parseJsonSafely('{"__proto__":{"x":1}}'))).toBe('forbidden_key');
    expect(problemOf(() => parseJsonSafely('{"a":[{"b":{"__proto__":null}}]}'))).toBe('forbidden_key');
    expect(problemOf(() => parseJsonSafely('{"constructor":{"prototype":{"x":1}}}'))).toBe('forbidden_key');
    // a plain "constructor" value is harmless data
    expect(parseJsonSafely('{"constructor":"Ford"}')).toEqual({ constructor: 'Ford' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('rejects nesting past the limit but counts brackets inside strings as text', () => {
    expect(problemOf(() => parseJsonSafely(`${'['.repeat(21)}${']'.repeat(21)}`))).toBe('too_deep');
    expect(parseJsonSafely(`${'['.repeat(20)}${']'.repeat(20)}`)).toBeDefined();
    expect(parseJsonSafely(`{"s":"${'['.repeat(100)}\\""}`)).toEqual({ s: `${'['.repeat(100)}"` });
  });

  it('reports malformed JSON', () => {
    expect(problemOf(() => parseJsonSafely('{"a":'))).toBe('malformed');
    expect(problemOf(() => parseJsonSafely("{'a':1}"))).toBe('malformed');
  });
});

describe('assertSafeJsonValue', () => {
  it('finds own __proto__ keys a host parser kept and deep nesting', () => {
    expect(problemOf(() => assertSafeJsonValue(JSON.parse('{"a":{"__proto__":{"x":1}}}')))).toBe(
      'forbidden_key',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = [deep];
    expect(problemOf(() => assertSafeJsonValue(deep))).toBe('too_deep');
    expect(problemOf(() => assertSafeJsonValue({ a: [1, { b: 'c' }] }))).toBeNull();
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset="UTF-8"', true],
    ['application/vnd.api+json', true],
    ['application/json; charset=iso-8859-1', false],
    ['text/json', false],
    ['application/jsonx', false],
    [undefined, false],
  ])('%s → %s', (value, expected) => {
    expect(isJsonContentType(value)).toBe(expected);
  });
});
