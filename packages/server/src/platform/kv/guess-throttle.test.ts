import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryEngine, PAST_WINDOW, redisEngine, WINDOW } from '../../../test/kv-engines.ts';
import { GuessThrottle, type GuessThrottleOptions } from './guess-throttle.ts';
import type { KeyValueStore } from './kv.ts';

const MINUTE = 60_000;

describe.each([memoryEngine(), redisEngine()])('GuessThrottle on $name', (engine) => {
  let store: KeyValueStore;
  // Windows of a minute where Retry-After is compared (whole seconds), of WINDOW ms where one must pass.
  const throttle = (options: Partial<GuessThrottleOptions> = {}) =>
    new GuessThrottle({
      store,
      name: 'login',
      windowMs: MINUTE,
      perSource: 1000,
      perPair: 3,
      perTarget: 10,
      maxRefusalMs: 10 * MINUTE,
      now: engine.now,
      ...options,
    });
  /** One guess: refused before it is checked, or checked and wrong (or right). */
  const guess = async (t: GuessThrottle, target: string, source: string, right = false) => {
    const r = await t.attempt(target, source);
    if (!r.allowed) return r.retryAfterSeconds;
    if (right) await t.succeeded(target, source);
    else await t.failed(target, source);
    return right ? 'signed in' : 'wrong';
  };

  beforeAll(engine.setup);
  afterAll(engine.teardown);
  beforeEach(() => {
    store = engine.open();
  });
  afterEach(async () => store.close());

  it("refuses a source that failed perPair times on a target, and only that source: others' failures lock nobody out", async () => {
    const t = throttle();
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await guess(t, 'ann', '203.0.113.1'));
    expect(outcomes).toEqual(['wrong', 'wrong', 'wrong', 60, 60]);
    // The right password from the failing source is refused too: it is this source that failed.
    expect(await guess(t, 'ann', '203.0.113.1', true)).toBe(60);
    // The owner, somewhere else, is not.
    expect(await guess(t, 'ann', '198.51.100.7', true)).toBe('signed in');
    // Nor is the failing source on another target.
    expect(await guess(t, 'bob', '203.0.113.1', true)).toBe('signed in');
  });

  it("a success clears the source's failures on that target", async () => {
    const t = throttle();
    for (let i = 0; i < 2; i++) await guess(t, 'ann', '203.0.113.1');
    expect(await guess(t, 'ann', '203.0.113.1', true)).toBe('signed in');
    for (let i = 0; i < 3; i++) expect(await guess(t, 'ann', '203.0.113.1')).toBe('wrong');
    expect(await guess(t, 'ann', '203.0.113.1')).toBe(60);
  });

  it('counts every attempt of one source across targets', async () => {
    const t = throttle({ perSource: 4 });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await guess(t, `user${i}`, '203.0.113.1', i === 2));
    expect(outcomes).toEqual(['wrong', 'wrong', 'signed in', 'wrong', 60]);
    expect(await guess(t, 'ann', '198.51.100.7')).toBe('wrong');
  });

  it('lets a refused source try again once the window has passed', async () => {
    const t = throttle({ windowMs: WINDOW, maxRefusalMs: WINDOW });
    for (let i = 0; i < 3; i++) await guess(t, 'ann', '203.0.113.1');
    expect(typeof (await guess(t, 'ann', '203.0.113.1'))).toBe('number');
    await engine.elapse(PAST_WINDOW);
    expect(await guess(t, 'ann', '203.0.113.1', true)).toBe('signed in');
  });

  it('distributed guessing: past perTarget failures, one failure holds its source off for a window that doubles', async () => {
    const t = throttle();
    // Nine sources fail once each: under the target's budget, each keeps its own.
    for (let i = 1; i <= 9; i++) expect(await guess(t, 'ann', `10.0.0.${i}`)).toBe('wrong');
    expect(await guess(t, 'ann', '10.0.0.1')).toBe('wrong'); // the 10th failure: from here on, held off
    expect(await guess(t, 'ann', '10.0.0.1')).toBe(60);
    // A source that has not failed is still checked; failing once holds it off at once.
    expect(await guess(t, 'ann', '10.0.1.1')).toBe('wrong');
    expect(await guess(t, 'ann', '10.0.1.1', true)).toBe(60);
    // The owner, from an address that has not failed, signs in; that clears nothing of the attack.
    expect(await guess(t, 'ann', '198.51.100.7', true)).toBe('signed in');
    for (let i = 2; i <= 9; i++) await guess(t, 'ann', `10.0.2.${i}`); // failures 12..19
    expect(await guess(t, 'ann', '10.0.3.1')).toBe('wrong'); // the 20th: two windows
    expect(await guess(t, 'ann', '10.0.3.1')).toBe(120);
    for (let i = 1; i <= 9; i++) await guess(t, 'ann', `10.0.4.${i}`); // 21..29
    expect(await guess(t, 'ann', '10.0.5.1')).toBe('wrong'); // the 30th: four
    expect(await guess(t, 'ann', '10.0.5.1')).toBe(240);
    for (let i = 1; i <= 50; i++) await guess(t, 'ann', `10.0.6.${i}`);
    expect(await guess(t, 'ann', '10.0.7.1')).toBe('wrong');
    // Capped at maxRefusalMs.
    expect(await guess(t, 'ann', '10.0.7.1')).toBe(600);
    // Still nobody else is refused: not the owner, not another target.
    expect(await guess(t, 'ann', '198.51.100.8', true)).toBe('signed in');
    expect(await guess(t, 'bob', '10.0.7.1')).toBe('wrong');
  });

  it('a source already refused stays refused for the rest of its window, not longer, when the target is attacked', async () => {
    const t = throttle({ perTarget: 4 });
    for (let i = 0; i < 3; i++) await guess(t, 'ann', '203.0.113.1');
    for (let i = 0; i < 3; i++) await guess(t, 'ann', `10.0.0.${i}`);
    expect(await guess(t, 'ann', '203.0.113.1')).toBe(60);
  });
});
