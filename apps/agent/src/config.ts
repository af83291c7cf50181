import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LOCKER_ID_PATTERN } from '@smartlocker/protocol';
import { z } from 'zod';
import { AgentError } from './AgentError';

/**
 * The agent's whole configuration is one JSON file, so provisioning a locker (SPEC §12: "without
 * code changes") only has to write it. It is validated once at start-up and every problem is
 * reported at once.
 */
export const AGENT_FIRMWARE_VERSION = '0.1.0';

const positiveMs = z.number().int().positive();

export const SimulatorHalConfig = z.object({
  driver: z.literal('simulator'),
  initialDoor: z.enum(['open', 'closed', 'unknown']).default('closed'),
  /** Demo mode: a simulated person opens the door after each unlock and closes it again. */
  autoPerson: z
    .object({
      enabled: z.boolean().default(false),
      autoOpenAfterMs: positiveMs.default(800),
      autoCloseAfterMs: positiveMs.default(3_000),
    })
    .prefault({}),
});

/** SPEC §2 seed wiring (BCM numbering) as defaults; the driver itself lands in a later issue. */
export const GpioHalConfig = z.object({
  driver: z.literal('gpio'),
  relayPin: z.number().int().min(0).max(27).default(17),
  relayActiveHigh: z.boolean().default(true),
  doorPin: z.number().int().min(0).max(27).default(27),
});

export const HalConfig = z.discriminatedUnion('driver', [SimulatorHalConfig, GpioHalConfig]);
export type HalConfig = z.infer<typeof HalConfig>;

export const AgentConfig = z
  .object({
    lockerId: z.string().regex(LOCKER_ID_PATTERN, 'A-Z, 0-9, _ and -, at most 64, starting with a letter or digit'),
    firmware: z.string().min(1).max(64).default(AGENT_FIRMWARE_VERSION),
    mqtt: z.object({
      url: z.url({ protocol: /^(mqtts?|wss?|tcp|ssl)$/, error: 'an mqtt://, mqtts://, ws:// or wss:// URL' }),
      username: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** Defaults to `smartlocker-agent-{lockerId}`; the broker's ACL keys per-device rights on it. */
      clientId: z.string().min(1).max(128).optional(),
      reconnectPeriodMs: positiveMs.default(1_500),
      keepaliveS: z.number().int().positive().max(65_535).default(30),
    }),
    /** The server's Ed25519 public key (SPEC §12: commands a device can verify), inline or as a file. */
    commandPublicKeyPem: z.string().min(1).optional(),
    commandPublicKeyPath: z.string().min(1).optional(),
    /** Where the agent keeps what must survive a restart (the message sequence counter). */
    stateDir: z.string().min(1),
    hal: HalConfig,
    timings: z
      .object({
        /** SPEC §2: the strike is energised for 4 s. */
        relayPulseMs: positiveMs.default(4_000),
        /** SPEC §2: the door is sampled every 500 ms. */
        doorSampleMs: positiveMs.default(500),
        /** SPEC §2: heartbeat every 30 s. */
        heartbeatMs: positiveMs.default(30_000),
        /** Counted from the moment the relay is energised: the pulse plus one second for the door to move. */
        openConfirmWindowMs: positiveMs.default(5_000),
      })
      .prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((c) => (c.commandPublicKeyPem === undefined) !== (c.commandPublicKeyPath === undefined), {
    message: 'give exactly one of commandPublicKeyPem and commandPublicKeyPath',
    path: ['commandPublicKeyPem'],
    // Run even when other fields failed, so one pass reports every problem (STYLE: validate once).
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

/**
 * Validates a configuration object. Relative paths are resolved against `baseDir` (the config
 * file's folder when loaded from a file, else the working directory).
 */
export function parseAgentConfig(raw: unknown, baseDir: string = process.cwd()): AgentConfig {
  const parsed = AgentConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AgentError(
      'config_invalid',
      `the agent configuration has ${problems.length} problem(s):\n${problems.join('\n')}`,
    );
  }
  const config = parsed.data;
  return {
    ...config,
    stateDir: resolve(baseDir, config.stateDir),
    commandPublicKeyPath:
      config.commandPublicKeyPath === undefined ? undefined : resolve(baseDir, config.commandPublicKeyPath),
  };
}

export function loadAgentConfigFile(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentError('config_unreadable', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AgentError('config_invalid', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseAgentConfig(raw, dirname(resolve(path)));
}

/** The PEM of the command verification key, from the config itself or from the file it names. */
export function readCommandPublicKeyPem(config: AgentConfig): string {
  if (config.commandPublicKeyPem !== undefined) return config.commandPublicKeyPem;
  const path = config.commandPublicKeyPath as string;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentError(
      'config_unreadable',
      `cannot read the command public key ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
