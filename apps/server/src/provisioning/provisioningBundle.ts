import type { AgentConfigInput } from '@smartlocker/agent';
import { AppError } from '../services/AppError';
import { type QrErrorCorrection, qrMatrix, qrSvg } from './qrCode';

/**
 * The provisioning bundle of issue 11: the agent's whole configuration file as LockerProvisioning
 * returns it (broker URL, the locker's credentials, the server's public key, the hardware
 * section), as a file to download and as a QR code to scan at the locker. It holds the broker
 * password, which is shown once: nothing here stores or logs it, and the routes that serve it
 * must answer `Cache-Control: no-store`.
 */
export interface ProvisioningBundleFile {
  fileName: string;
  contentType: 'application/json';
  /** Indented JSON with a final newline: what `smartlocker-agent --config FILE` reads. */
  body: string;
}

export interface ProvisioningBundleQr {
  /** A standalone SVG, one user unit per module, quiet zone of 4 modules included. */
  svg: string;
  /** What the code holds: the same configuration as compact JSON. */
  text: string;
  /** Its length in bytes (UTF-8, QR byte mode). */
  bytes: number;
  version: number;
  errorCorrection: QrErrorCorrection;
}

/**
 * ISO/IEC 18004 Table 7: the most a version 40 symbol holds in byte mode, 2953 bytes at level L,
 * 2331 at M. Before that size a code gets dense: level M is kept while it fits (a screen or a
 * print that is slightly off still reads), L only for the bundles M cannot hold.
 */
export const QR_BYTE_CAPACITY = { L: 2953, M: 2331 } as const;

export function provisioningBundleFile(agentConfig: AgentConfigInput): ProvisioningBundleFile {
  return {
    fileName: `smartlocker-agent-${agentConfig.lockerId}.json`,
    contentType: 'application/json',
    body: `${JSON.stringify(agentConfig, null, 2)}\n`,
  };
}

/**
 * The bundle as a QR code. A bundle larger than a QR code can hold (a `hal` section with very
 * many pins, say) is refused with 413 `bundle_too_large_for_qr`; the file download still works.
 */
export function provisioningBundleQr(agentConfig: AgentConfigInput): ProvisioningBundleQr {
  const text = JSON.stringify(agentConfig);
  const bytes = Buffer.byteLength(text, 'utf8');
  const level: QrErrorCorrection | null = bytes <= QR_BYTE_CAPACITY.M ? 'M' : bytes <= QR_BYTE_CAPACITY.L ? 'L' : null;
  if (!level) {
    throw new AppError(
      413,
      'bundle_too_large_for_qr',
      `This configuration is ${bytes} bytes; a QR code holds at most ${QR_BYTE_CAPACITY.L}. Download the file instead.`,
    );
  }
  const matrix = qrMatrix(text, level);
  return {
    svg: qrSvg(matrix, { title: `SmartLocker agent configuration for ${agentConfig.lockerId}` }),
    text,
    bytes,
    version: matrix.version,
    errorCorrection: matrix.errorCorrection,
  };
}
