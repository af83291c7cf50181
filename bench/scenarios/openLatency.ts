/**
 * Scenario 1 of `npm run bench` (issue 13): an open, from the member's HTTP request to the
 * locker's relay energised, and on to the `unlocked` state on the member's event stream.
 */
import { SimulatedHal } from '@smartlocker/agent';
import { stageTrace } from '@smartlocker/protocol';
import { type DatabaseBackend, EMBEDDED_BROKER } from '../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../test-support/http';
import { startTestSystem } from '../../test-support/system';
import { type Quantiles, quantiles } from './stats';

export interface OpenLatencyResult {
  /** HTTP open sent → the simulated relay energised (the HAL's own timestamp). */
  open_latency_ms: Quantiles;
  /** HTTP open sent → `unlocked` read on the member's event stream. */
  open_to_sse_ms: Quantiles;
  /** Each stage's instant, counted from the HTTP open sent, in the order a trip passes them. */
  open_stages_ms: Record<string, Quantiles>;
  samples: number;
}

/**
 * The stages marked along the way (stageTrace): the request reaching the server's first
 * middleware, the session read (better-auth), the route past the account's own row, the open's rules
 * checked, the command signed, the broker's PUBACK, the agent's signature check, the relay, the
 * state report received by the server, the SSE event queued and written, and read by the member.
 */
const STAGES = [
  'http_in',
  'session_read',
  'authenticated',
  'checked',
  'signed',
  'published',
  'verified',
  'relay_on',
  'state_received',
  'sse_queued',
  'sse_written',
  'sse_read',
] as const;

export async function openLatency(options: { database: DatabaseBackend; quick: boolean }): Promise<OpenLatencyResult> {
  const opens = options.quick ? 3 : 10;
  const system = await startTestSystem(options.database, EMBEDDED_BROKER);
  try {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`bench-${Date.now()}@example.org`);
    await browser.json('POST', '/api/me/premium', { premium: true });
    await browser.json('POST', '/api/pairing', { code: system.codes.sport });
    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.sport);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated sport locker');
    const hal = agent.hal;
    // Nobody opens the door: each sample is the command's trip alone.
    for (const a of system.agents) if (a.hal instanceof SimulatedHal) a.hal.setAutoPerson(false);
    const events = readSse(await browser.request('GET', '/api/events'));
    await waitForEvent(events, (e) => e.event === 'locker');
    // SPEC §6: a sport locker opens within a session. Starting one sends an open of its own:
    // let that pulse run out before timing the opens made within the session.
    const started = await browser.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    if (started.status !== 201) throw new Error(`session start answered ${started.status}`);
    await waitForEvent(events, (e) => e.event === 'locker' && JSON.parse(e.data).lock === 'unlocked');
    await waitForEvent(events, (e) => e.event === 'locker' && JSON.parse(e.data).lock === 'locked', 10_000);
    const toRelay: number[] = [];
    const toSse: number[] = [];
    const stages = new Map<string, number[]>(STAGES.map((stage) => [stage, []]));
    const lockerId = system.lockerIds.sport;
    stageTrace.enable();
    // The locker refuses a 6th open within a minute (anti-spam, SPEC §2): one open per 12.5 s,
    // the session's own included, stays under it.
    let lastOpen = performance.now();
    for (let i = 0; i < opens; i++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastOpen + 12_500 - performance.now())));
      lastOpen = performance.now();
      const pulsesBefore = hal.relayActivations;
      stageTrace.take(lockerId);
      const sent = performance.now();
      const response = await browser.json('POST', `/api/lockers/${system.lockerIds.sport}/open`);
      if (response.status !== 202) throw new Error(`open answered ${response.status}`);
      await waitForEvent(events, (e) => e.event === 'locker' && JSON.parse(e.data).lock === 'unlocked');
      const read = performance.now();
      toSse.push(read - sent);
      if (hal.relayActivations !== pulsesBefore + 1 || hal.lastRelayOnAt === null) {
        throw new Error('the relay did not move once');
      }
      toRelay.push(hal.lastRelayOnAt - sent);
      const marks = stageTrace.take(lockerId);
      marks.set('relay_on', hal.lastRelayOnAt);
      marks.set('sse_read', read);
      for (const stage of STAGES) {
        const at = marks.get(stage);
        if (at === undefined) throw new Error(`the open never passed "${stage}"`);
        stages.get(stage)?.push(at - sent);
      }
      await waitForEvent(events, (e) => e.event === 'locker' && JSON.parse(e.data).lock === 'locked', 10_000);
    }
    await events.return(undefined);
    return {
      open_latency_ms: quantiles(toRelay),
      open_to_sse_ms: quantiles(toSse),
      open_stages_ms: Object.fromEntries([...stages].map(([stage, samples]) => [stage, quantiles(samples)])),
      samples: opens,
    };
  } finally {
    stageTrace.disable();
    await system.dispose();
  }
}
