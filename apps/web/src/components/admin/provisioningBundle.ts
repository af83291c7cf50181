import type { ProvisioningBundle } from '../../api/admin';

/**
 * The provisioning bundle as a file: the agent's configuration, indented JSON with a final
 * newline, named after the locker — the same file the server's `bundle.json` download gives, but
 * built here from the answer that issued the secret (the server keeps only the secret's hash).
 */
export interface BundleFile {
  fileName: string;
  type: 'application/json';
  text: string;
}

export function bundleFile(lockerId: string, bundle: ProvisioningBundle): BundleFile {
  const id = typeof bundle.lockerId === 'string' && bundle.lockerId ? bundle.lockerId : lockerId;
  return {
    fileName: `smartlocker-agent-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`,
    type: 'application/json',
    text: `${JSON.stringify(bundle, null, 2)}\n`,
  };
}

/** Hands a file built in the page to the browser's downloads (a Blob, never a data: URL). */
export function downloadFile(file: { fileName: string; type: string; text: string }): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
