import { describe, expect, it } from 'vitest';
import { emulatorAddress } from '../../src/payments/emulatorAddress';

describe('where the local Stripe emulator listens and is reached', () => {
  it('stays on loopback by default', () => {
    expect(emulatorAddress('127.0.0.1', null)).toEqual({
      bindHost: '127.0.0.1',
      publicHost: '127.0.0.1',
      sdkHost: '127.0.0.1',
    });
  });

  it('follows an app opened to the LAN: every interface, the page at PUBLIC_URL’s host, the SDK on loopback', () => {
    expect(emulatorAddress('0.0.0.0', 'http://192.168.1.20:3000')).toEqual({
      bindHost: '0.0.0.0',
      publicHost: '192.168.1.20',
      sdkHost: '127.0.0.1',
    });
    expect(emulatorAddress('::', 'http://[fd00::20]:3000').publicHost).toBe('fd00::20');
    expect(emulatorAddress('0.0.0.0', null).publicHost).toBe('localhost');
  });

  it('binds to a named interface and reaches it there', () => {
    expect(emulatorAddress('192.168.1.20', 'http://locker-demo.lan:3000')).toEqual({
      bindHost: '192.168.1.20',
      publicHost: 'locker-demo.lan',
      sdkHost: '192.168.1.20',
    });
  });
});
