import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.ts';

// The real params throughout: a hash takes ~25 ms, and the tests prove what production does.
const hasher = new PasswordHasher();

describe('PasswordHasher', () => {
  it('hashes with Argon2id at the OWASP minimum (m=19456 KiB, t=2, p=1)', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(hash, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(hash, 'Correct horse battery staple')).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  it('salts every hash: the same password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'same password')).toBe(true);
    expect(await hasher.verify(b, 'same password')).toBe(true);
  });

  it('answers false, without throwing, for a stored hash that cannot be decoded', async () => {
    for (const malformed of [
      '',
      'not a hash',
      '$argon2id$v=19$m=19456,t=2,p=1$',
      '$2b$10$abcdefghijklmnop',
    ]) {
      expect(await hasher.verify(malformed, 'whatever')).toBe(false);
    }
  });

  it('handles passwords with characters outside ASCII', async () => {
    const hash = await hasher.hash('pässwörd 🔐 密码');
    expect(await hasher.verify(hash, 'pässwörd 🔐 密码')).toBe(true);
    expect(await hasher.verify(hash, 'passwörd 🔐 密码')).toBe(false);
  });

  it('dummyVerify resolves, for the default params and for custom ones', async () => {
    await expect(hasher.dummyVerify('anything')).resolves.toBeUndefined();
    await expect(new PasswordHasher({ timeCost: 3 }).dummyVerify('anything')).resolves.toBeUndefined();
  });

  it('needsRehash is true for a hash made with weaker params, false for a current one', async () => {
    const weak = await new PasswordHasher({ memoryCost: 4096 }).hash('old password');
    expect(weak).toContain('$m=4096,t=2,p=1$');
    expect(hasher.needsRehash(weak)).toBe(true);
    // The params live in the hash, so the old one still verifies until it is replaced.
    expect(await hasher.verify(weak, 'old password')).toBe(true);

    expect(hasher.needsRehash(await hasher.hash('new password'))).toBe(false);
    expect(hasher.needsRehash(await new PasswordHasher({ timeCost: 1 }).hash('x'))).toBe(true);
  });

  it('needsRehash is true for anything that is not an Argon2id hash', () => {
    expect(hasher.needsRehash('$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy')).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('garbage')).toBe(true);
  });
});
