import { describe, expect, it } from 'vitest';
import { BrokerRotation } from '../../src/BrokerRotation';
import { ReconnectBackoff } from '../../src/ReconnectBackoff';

/** 1 s doubling up to 8 s, no jitter at the midpoint: every delay is exact. */
const backoff = () =>
  new ReconnectBackoff({ initialDelayMs: 1_000, maxDelayMs: 8_000, jitter: 0.2, random: () => 0.5 });
const A = 'mqtts://node-a:8883';
const B = 'mqtts://node-b:8883';
const C = 'mqtts://node-c:8883';

/** Fails `times` attempts in a row; each step is the delay and the node tried after it. */
function failures(rotation: BrokerRotation, times: number): string[] {
  return Array.from({ length: times }, () => `${rotation.failed()} ${rotation.url}`);
}

describe('BrokerRotation (the nodes of a clustered broker)', () => {
  it('with one broker, is the plain exponential backoff of protocol §7', () => {
    const rotation = new BrokerRotation([A], backoff());
    expect(failures(rotation, 5)).toEqual([`1000 ${A}`, `2000 ${A}`, `4000 ${A}`, `8000 ${A}`, `8000 ${A}`]);
  });

  it('moves to the next node after a loss, and backs off only once a whole round failed', () => {
    const rotation = new BrokerRotation([B, C, A], backoff());
    expect(rotation.url).toBe(B);
    rotation.succeeded();
    // B died: C and A each after the first delay; B again ends the round, and so on, doubling per round.
    expect(failures(rotation, 7)).toEqual([
      `1000 ${C}`,
      `1000 ${A}`,
      `1000 ${B}`,
      `1000 ${C}`,
      `1000 ${A}`,
      `2000 ${B}`,
      `1000 ${C}`,
    ]);
  });

  it('starts the next round from the node that worked, at the first delay again', () => {
    const rotation = new BrokerRotation([B, C], backoff());
    failures(rotation, 4);
    expect(rotation.url).toBe(B);
    rotation.failed();
    expect(rotation.url).toBe(C);
    rotation.succeeded();
    expect(failures(rotation, 3)).toEqual([`1000 ${B}`, `1000 ${C}`, `1000 ${B}`]);
  });

  it('restarts the backoff when the network comes back, on the same node', () => {
    const rotation = new BrokerRotation([B, C], backoff());
    failures(rotation, 6);
    expect(rotation.attempt).toBe(3);
    const before = rotation.url;
    rotation.restart();
    expect(rotation.attempt).toBe(0);
    expect(rotation.url).toBe(before);
  });

  it('needs at least one broker', () => {
    expect(() => new BrokerRotation([], backoff())).toThrow(RangeError);
  });
});
