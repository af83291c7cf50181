import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * SPEC §4 under concurrency, through the HTTP API as people would do it: the database's unique
 * indexes, not the order of the checks, decide who gets a sport locker.
 */
describe.each(databaseBackends())('concurrent pairing on $name', (db) => {
  let system: TestSystem;

  async function members(count: number, tag: string): Promise<TestBrowser[]> {
    const browsers: TestBrowser[] = [];
    for (let i = 0; i < count; i++) {
      const browser = new TestBrowser(system.url);
      await browser.signUp(`${tag}-${i}-${Date.now()}@example.org`);
      browsers.push(browser);
    }
    return browsers;
  }

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('gives the sport locker to exactly one of 8 members pairing at the same instant', async () => {
    const racers = await members(8, 'racer');
    const answers = await Promise.all(
      racers.map((b) => b.json<{ error?: { code: string } }>('POST', '/api/pairing', { code: system.codes.sport })),
    );
    const winners = answers.filter((a) => a.status === 201);
    const losers = answers.filter((a) => a.status !== 201);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(7);
    for (const loser of losers) expect(loser).toMatchObject({ status: 409, body: { error: { code: 'locker_taken' } } });
  });

  it('lets 5 students pair the same school locker at the same instant', async () => {
    const students = await members(5, 'student');
    const answers = await Promise.all(
      students.map((b) => b.json('POST', '/api/pairing', { code: system.codes.school })),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
  });

  it('keeps one locker per user when the same person pairs twice at once', async () => {
    const [person] = await members(1, 'twice');
    if (!person) throw new Error('no member');
    await person.json('DELETE', '/api/pairing');
    const answers = await Promise.all([
      person.json<{ error?: { code: string } }>('POST', '/api/pairing', { code: system.codes.school }),
      person.json<{ error?: { code: string } }>('POST', '/api/pairing', { code: system.codes.school }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error?.code).toBe('already_paired');
  });
});
