import { describe, expect, it } from 'vitest';
import { checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.ts';

const STRONG = 'violet-lantern-orbit-71-quietly';

describe('checkPassword', () => {
  it('accepts a strong random passphrase, with or without account details', () => {
    expect(checkPassword(STRONG, {})).toEqual([]);
    expect(checkPassword(STRONG, { username: 'johnsmith', email: 'john.smith@example.com' })).toEqual([]);
  });

  it('exports the length bounds', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(PASSWORD_MAX_LENGTH).toBe(128);
  });

  describe('length', () => {
    it('rejects 7 characters, accepts 8', () => {
      expect(checkPassword('Xq7#kv2', {})).toEqual([
        'This password is too short. It must contain at least 8 characters.',
      ]);
      expect(checkPassword('Xq7#kv2!', {})).toEqual([]);
    });

    it('accepts 128 characters, rejects 129', () => {
      const base = 'Zk4$wQ9!rB';
      const of = (n: number) => base.repeat(13).slice(0, n);
      expect(checkPassword(of(128), {})).toEqual([]);
      expect(checkPassword(of(129), {})).toEqual([
        'This password is too long. It must contain at most 128 characters.',
      ]);
    });

    it('counts code points, not UTF-16 units', () => {
      // Each of these emoji is two UTF-16 units: 7 of them are 14 units but 7 characters.
      expect('🔐🦊🌵🎲🚲🧭🪐'.length).toBe(14);
      expect(checkPassword('🔐🦊🌵🎲🚲🧭🪐', {})).toEqual([
        'This password is too short. It must contain at least 8 characters.',
      ]);
      expect(checkPassword('🔐🦊🌵🎲🚲🧭🪐🎻', {})).toEqual([]);
      // 100 emoji are 200 units, still within 128 characters; 129 are not.
      expect(checkPassword('🔐🦊🌵🎲'.repeat(25), {})).toEqual([]);
      expect(checkPassword(`${'🔐🦊🌵🎲'.repeat(32)}🎻`, {})).toEqual([
        'This password is too long. It must contain at most 128 characters.',
      ]);
    });
  });

  describe('common passwords', () => {
    it.each(['password', 'qwerty123', 'iloveyou', 'PassWord', 'QWERTY123'])('rejects %s', (pw) => {
      expect(checkPassword(pw, {})).toContain('This password is too common.');
    });

    it('accepts an uncommon one', () => {
      expect(checkPassword('qwerty123-lantern', {})).toEqual([]);
    });
  });

  describe('all digits', () => {
    it('rejects a password made only of digits', () => {
      expect(checkPassword('12345678901', {})).toContain('This password is entirely numeric.');
      expect(checkPassword('90817263545', {})).toEqual(['This password is entirely numeric.']);
      // Digits of other scripts count too (Arabic-Indic).
      expect(checkPassword('٩٠٨١٧٢٦٣٥٤', {})).toEqual(['This password is entirely numeric.']);
    });

    it('accepts digits mixed with anything else', () => {
      expect(checkPassword('90817263545x', {})).toEqual([]);
    });
  });

  describe('similarity to the username', () => {
    const username = 'johnsmith';

    it.each(['johnsmith1', 'JohnSmith!!', 'my-johnsmith-pw', 'jonhsmith', 'john-smith'])(
      'rejects %s for username johnsmith',
      (pw) => {
        expect(checkPassword(pw, { username })).toEqual(['This password is too similar to your username.']);
      },
    );

    it('accepts a password unrelated to the username', () => {
      expect(checkPassword('amber-falcon-92', { username })).toEqual([]);
    });

    it('rejects a password the username contains', () => {
      expect(checkPassword('winterfell', { username: 'thewinterfellwatch' })).toEqual([
        'This password is too similar to your username.',
      ]);
    });

    it('ignores containment of usernames shorter than 3 characters', () => {
      expect(checkPassword('jonquil-river-88', { username: 'jo' })).toEqual([]);
    });
  });

  describe('similarity to the email address', () => {
    const email = 'maria.garcia@example.com';

    it.each(['mariagarcia', 'MariaGarcia1', 'garciamaria', 'maria.garcia@example', 'maria1987'])(
      'rejects %s for maria.garcia@example.com',
      (pw) => {
        expect(checkPassword(pw, { email })).toEqual(['This password is too similar to your email address.']);
      },
    );

    it('compares the local part, not just the whole address', () => {
      // Too short a part of the whole address to reach the ratio, but close to the local part.
      expect(checkPassword('mariagarc1a', { email })).toEqual([
        'This password is too similar to your email address.',
      ]);
    });

    it('accepts a password unrelated to the email address', () => {
      expect(checkPassword('amber-falcon-92', { email })).toEqual([]);
    });
  });

  it('reports every problem at once', () => {
    expect(checkPassword('1234567', { username: '1234567' })).toEqual([
      'This password is too short. It must contain at least 8 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
      'This password is too similar to your username.',
    ]);
  });
});
