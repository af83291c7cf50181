import { createECDH, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandKeyPair, generateCommandKeyPair, loadPrivateKey } from '@smartlocker/protocol';
import type { Config } from './config';

export interface Secrets {
  authSecret: string;
  commandPrivateKey: KeyObject;
  /** Handed to the lockers (SPKI PEM): they verify, only the server signs. */
  commandPublicKeyPem: string;
  /** Web Push (VAPID) identity; null when push is off (production without keys). */
  vapid: { publicKey: string; privateKey: string; subject: string } | null;
}

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Secrets come from the configuration in production. In development they are generated on the
 * first start and kept under DATA_DIR (never in the repository, never in the logs), so that a
 * restart keeps people signed in and keeps the lockers trusting the server.
 */
export function loadSecrets(config: Config): Secrets {
  const keysDir = join(config.dataDir, 'keys');
  let authSecret = config.authSecret;
  if (!authSecret) {
    const path = join(keysDir, 'auth-secret');
    if (!existsSync(path)) {
      mkdirSync(keysDir, { recursive: true, mode: 0o700 });
      writePrivate(path, randomBytes(48).toString('base64url'));
    }
    authSecret = readFileSync(path, 'utf8').trim();
  }

  let privatePem: string;
  if (config.commandSigningKeyFile) {
    privatePem = readFileSync(config.commandSigningKeyFile, 'utf8');
  } else {
    const path = join(keysDir, 'command-signing.pem');
    if (!existsSync(path)) {
      mkdirSync(keysDir, { recursive: true, mode: 0o700 });
      const pair: CommandKeyPair = generateCommandKeyPair();
      writePrivate(path, pair.privateKeyPem);
      writeFileSync(join(keysDir, 'command-signing.pub.pem'), pair.publicKeyPem);
    }
    privatePem = readFileSync(path, 'utf8');
  }
  const commandPrivateKey = loadPrivateKey(privatePem);
  const commandPublicKeyPem = createPublicKey(commandPrivateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { authSecret, commandPrivateKey, commandPublicKeyPem, vapid: loadVapid(config, keysDir) };
}

function loadVapid(config: Config, keysDir: string): Secrets['vapid'] {
  const { vapid } = config;
  if ('publicKey' in vapid) return vapid;
  if (config.env === 'production') return null;
  const path = join(keysDir, 'vapid.json');
  if (!existsSync(path)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writePrivate(path, JSON.stringify(generateVapidKeys()));
  }
  const keys = JSON.parse(readFileSync(path, 'utf8')) as { publicKey: string; privateKey: string };
  return { publicKey: keys.publicKey, privateKey: keys.privateKey, subject: vapid.subject };
}

/** A VAPID key pair (RFC 8292): P-256, the public key as an uncompressed point, both base64url. */
function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const privateKey = Buffer.alloc(32);
  const scalar = ecdh.getPrivateKey();
  scalar.copy(privateKey, 32 - scalar.length);
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: privateKey.toString('base64url') };
}
