import { describe, expect, it } from 'vitest';
import { parseApiTokens } from '../src/api-tokens.js';

describe('parseApiTokens', () => {
  it('maps bearer tokens to users; anything else is nobody', () => {
    const tokens = parseApiTokens(' amina:tok-amina-1 , juma:tok-juma-2 ');
    expect(tokens.userIds).toEqual(['amina', 'juma']);
    expect(tokens.demoToken).toBe('tok-amina-1');
    expect(tokens.userFor('Bearer tok-juma-2')).toEqual({ id: 'juma' });
    expect(tokens.userFor('bearer   tok-amina-1')).toEqual({ id: 'amina' });
    for (const header of [
      undefined,
      '',
      'tok-juma-2',
      'Basic tok-juma-2',
      'Bearer tok-juma',
      'Bearer juma',
    ]) {
      expect(tokens.userFor(header)).toBeNull();
    }
  });

  it('defaults to alice and bob when unset or blank', () => {
    for (const value of [undefined, '', '  ']) {
      const tokens = parseApiTokens(value);
      expect(tokens.userFor('Bearer bob-token')).toEqual({ id: 'bob' });
      expect(tokens.demoToken).toBe('alice-token');
    }
  });

  it.each([
    ['alice', 1],
    ['alice:', 1],
    [':secret-token-1', 1],
    ['alice:one,bob:two words', 2],
    ['alice:one,,bob:two', 2],
  ])('names the malformed entry of %s by position, never by token', (value, position) => {
    expect(() => parseApiTokens(value)).toThrow(`API_TOKENS entry ${position} is not "user:token"`);
    try {
      parseApiTokens(value);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/secret-token-1|two words/);
    }
  });

  it('refuses one token for two users', () => {
    expect(() => parseApiTokens('alice:same,bob:same')).toThrow(
      'API_TOKENS gives the same token twice (entry 2)',
    );
  });
});
