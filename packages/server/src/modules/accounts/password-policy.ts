import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Django's default for UserAttributeSimilarityValidator. */
const MAX_SIMILARITY = 0.7;
/** Shorter values ("al", "x") would reject passwords that merely share a common pair of letters. */
const MIN_CONTAINED_LENGTH = 3;

export type PasswordContext = { email?: string | undefined; username?: string | undefined };

// ~49,000 entries, most common first. Built on first use and never changed afterwards.
let commonPasswords: ReadonlySet<string> | undefined;
const isCommon = (password: string): boolean => {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords.has(password.trim().toLowerCase());
};

/**
 * The problems with a proposed password, as sentences to show the user; empty when it is acceptable.
 * Lengths count Unicode code points, so an emoji counts as one character, as the user sees it.
 */
export function checkPassword(password: string, context: PasswordContext): string[] {
  const length = [...password].length;
  if (length > PASSWORD_MAX_LENGTH) {
    // The other checks are skipped: the similarity check is quadratic in the length.
    return [`This password is too long. It must contain at most ${PASSWORD_MAX_LENGTH} characters.`];
  }
  const problems: string[] = [];
  if (length < PASSWORD_MIN_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (isCommon(password)) problems.push('This password is too common.');
  if (/^\p{Nd}+$/u.test(password)) problems.push('This password is entirely numeric.');
  if (context.username && isSimilar(password, [context.username])) {
    problems.push('This password is too similar to your username.');
  }
  if (context.email) {
    const email = context.email;
    const at = email.lastIndexOf('@');
    const values = at > 0 ? [email, email.slice(0, at)] : [email];
    if (isSimilar(password, values)) problems.push('This password is too similar to your email address.');
  }
  return problems;
}

/**
 * In the manner of Django's UserAttributeSimilarityValidator: case-insensitive; each value and its parts
 * split on non-word characters (`maria.garcia` → `maria`, `garcia`) are compared by similarity ratio,
 * and the whole value also by containment either way.
 */
function isSimilar(password: string, values: readonly string[]): boolean {
  const pwd = [...password.toLowerCase()];
  const pwdText = pwd.join('');
  for (const value of values.map((v) => v.toLowerCase())) {
    if ([...value].length >= MIN_CONTAINED_LENGTH && pwdText.includes(value)) return true;
    if (pwd.length >= MIN_CONTAINED_LENGTH && value.includes(pwdText)) return true;
    const parts = new Set([value, ...value.split(/[^\p{L}\p{N}_]+/u).filter(Boolean)]);
    for (const part of parts) {
      if (similarityRatio(pwd, [...part]) >= MAX_SIMILARITY) return true;
    }
  }
  return false;
}

/**
 * Python difflib's SequenceMatcher.ratio() (Ratcliff/Obershelp, without junk heuristics) over code
 * points: 2·M / (|a| + |b|), where M counts the characters in the longest common block, then recursively
 * in the longest blocks left of it and right of it. 1 means identical, 0 nothing in common.
 */
function similarityRatio(a: readonly string[], b: readonly string[]): number {
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matchingCharacters(a, 0, a.length, b, 0, b.length)) / total;
}

function matchingCharacters(
  a: readonly string[],
  aLo: number,
  aHi: number,
  b: readonly string[],
  bLo: number,
  bHi: number,
): number {
  // Longest common block; ties go to the earliest in a, then in b, as difflib's find_longest_match.
  let bestI = aLo;
  let bestJ = bLo;
  let bestSize = 0;
  let prev = new Array<number>(bHi - bLo + 1).fill(0);
  for (let i = aLo; i < aHi; i++) {
    const row = new Array<number>(bHi - bLo + 1).fill(0);
    for (let j = bLo; j < bHi; j++) {
      if (a[i] !== b[j]) continue;
      const size = (prev[j - bLo] ?? 0) + 1;
      row[j - bLo + 1] = size;
      if (size > bestSize) {
        bestI = i - size + 1;
        bestJ = j - size + 1;
        bestSize = size;
      }
    }
    prev = row;
  }
  if (bestSize === 0) return 0;
  return (
    bestSize +
    matchingCharacters(a, aLo, bestI, b, bLo, bestJ) +
    matchingCharacters(a, bestI + bestSize, aHi, b, bestJ + bestSize, bHi)
  );
}
