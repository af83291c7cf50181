import { generateKeyPairSync } from 'node:crypto';
import { type AgentConfigInput, parseAgentConfig } from '@smartlocker/agent';
import { describe, expect, it } from 'vitest';
import { decodeQrCodes, svgToPng } from '../../../../test-support/qrDecode';
import {
  provisioningBundleFile,
  provisioningBundleQr,
  QR_BYTE_CAPACITY,
} from '../../src/provisioning/provisioningBundle';

/**
 * The bundle's QR code holds the whole agent config as compact JSON: level M while it fits,
 * L beyond, refused past what version 40 holds. (The integration suite provisioningBundle.test.ts
 * scans a real provisioned config and starts an agent from it.)
 */
const DECODE = { timeout: 30_000 };

function config(): AgentConfigInput {
  const { publicKey } = generateKeyPairSync('ed25519');
  return {
    lockerId: 'ECOLE_42',
    mqtt: { url: 'mqtts://broker.example.org:8883', username: 'ECOLE_42', password: 'x'.repeat(43) },
    commandPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    stateDir: '/var/lib/smartlocker-agent',
    hal: { driver: 'gpio' },
  };
}

describe('the provisioning bundle', () => {
  it('downloads as the indented JSON file the agent reads', () => {
    const file = provisioningBundleFile(config());
    expect(file.fileName).toBe('smartlocker-agent-ECOLE_42.json');
    expect(file.contentType).toBe('application/json');
    expect(file.body.endsWith('}\n')).toBe(true);
    expect(parseAgentConfig(JSON.parse(file.body)).mqtt.password).toBe('x'.repeat(43));
  });

  it('fits a typical config in a small code at level M', () => {
    const typical = config();
    const qr = provisioningBundleQr(typical);
    expect(qr.text).toBe(JSON.stringify(typical));
    expect(qr.bytes).toBeLessThan(400);
    expect(qr.errorCorrection).toBe('M');
    // 356 bytes with an Ed25519 key: version 14 (73 × 73 modules).
    expect(qr.version).toBeLessThanOrEqual(15);
    expect(qr.svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
    // The secret is in the modules only, never in the SVG's text (its title names the locker).
    expect(qr.svg).not.toContain('x'.repeat(43));
    expect(qr.svg).toContain('<title>SmartLocker agent configuration for ECOLE_42</title>');
  });

  it('drops to level L between what M and L can hold, and scans back whole', DECODE, async () => {
    // A long state directory (a real field the agent reads) takes the config just past M's capacity.
    const base = config();
    const room = QR_BYTE_CAPACITY.M + 100 - JSON.stringify(base).length;
    const big = { ...base, stateDir: `/var/lib/${'s'.repeat(room)}` };
    const qr = provisioningBundleQr(big);
    expect(qr.bytes).toBeGreaterThan(QR_BYTE_CAPACITY.M);
    expect(qr.errorCorrection).toBe('L');
    expect(qr.version).toBeGreaterThan(30);
    const [found] = await decodeQrCodes(await svgToPng(qr.svg, 300));
    expect(found?.text).toBe(JSON.stringify(big));
    expect(found?.ecLevel).toBe('L');
  });

  it('refuses a config larger than any QR code, with a stable code', () => {
    const base = config();
    const huge = { ...base, stateDir: `/var/lib/${'s'.repeat(QR_BYTE_CAPACITY.L)}` };
    expect(() => provisioningBundleQr(huge)).toThrow(
      expect.objectContaining({ status: 413, code: 'bundle_too_large_for_qr' }),
    );
    // The download has no such limit.
    expect(provisioningBundleFile(huge).body.length).toBeGreaterThan(QR_BYTE_CAPACITY.L);
  });
});
