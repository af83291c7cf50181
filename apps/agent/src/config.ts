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

const brokerUrl = z.url({
  protocol: /^(mqtts?|wss?|tcp|ssl)$/,
  error: 'an mqtt://, mqtts://, ws:// or wss:// URL',
});
/** A cluster of more nodes than this is reached through a load balancer, not a list on every locker. */
const MAX_BROKER_URLS = 16;

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

/** A BCM GPIO number of the 40-pin header. */
const bcmPin = z.number().int().min(0).max(27);

/** The header pins each SPI bus takes on a Raspberry Pi (BCM), and its chip-select pins by index. */
const SPI_BUS_PINS = {
  0: { shared: { MISO: 9, MOSI: 10, SCLK: 11 }, chipSelect: [8, 7] },
  1: { shared: { MISO: 19, MOSI: 20, SCLK: 21 }, chipSelect: [18, 17, 16] },
} as const;

/**
 * The Raspberry Pi drivers (hal/gpio), with SPEC §2's seed wiring (BCM numbering) as defaults.
 * `auto` picks them on a Raspberry Pi and the simulator anywhere else.
 */
export const GpioHalConfig = z
  .object({
    driver: z.enum(['gpio', 'auto']),
    /** The GPIO character device of the 40-pin header (gpiochip0 on every model with a current kernel). */
    chip: z
      .string()
      .regex(/^gpiochip\d+$/, 'a GPIO chip name such as gpiochip0')
      .default('gpiochip0'),
    /** Which libgpiod command-line syntax to speak; `auto` asks `gpioset --version`. */
    libgpiod: z.enum(['auto', 'v1', 'v2']).default('auto'),
    relayPin: bcmPin.default(17),
    relayActiveHigh: z.boolean().default(true),
    /** Reed switch to ground, internal pull-up: low = contact closed = door closed. */
    doorPin: bcmPin.default(27),
    /** HC-SR04 trigger (3.3 V is enough for it). */
    trigPin: bcmPin.default(23),
    /** HC-SR04 echo, through a 5 V -> 3.3 V divider. */
    echoPin: bcmPin.default(24),
    /** How long to wait for the echo once the trigger pulse is out (38 ms is the HC-SR04's own time-out). */
    echoTimeoutMs: positiveMs.max(1_000).default(100),
    /** RC522 badge reader on SPI. */
    rfid: z
      .object({
        enabled: z.boolean().default(true),
        spiBus: z.union([z.literal(0), z.literal(1)]).default(0),
        spiChipSelect: z.number().int().min(0).max(2).default(0),
        resetPin: bcmPin.default(25),
        speedHz: z.number().int().min(100_000).max(10_000_000).default(1_000_000),
        pollMs: positiveMs.default(250),
      })
      .prefault({}),
  })
  .superRefine((hal, ctx) => {
    // Two drivers on one pin would fight over it: every pin once, and none of the SPI bus's own.
    const taken = new Map<number, string>();
    const claim = (pin: number, what: string, path: (string | number)[]): void => {
      const owner = taken.get(pin);
      if (owner === undefined) taken.set(pin, what);
      else ctx.addIssue({ code: 'custom', path, message: `BCM ${pin} is already used by ${owner}` });
    };
    if (hal.rfid.enabled) {
      const bus = SPI_BUS_PINS[hal.rfid.spiBus];
      const chipSelect = bus.chipSelect[hal.rfid.spiChipSelect];
      if (chipSelect === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rfid', 'spiChipSelect'],
          message: `SPI${hal.rfid.spiBus} has chip selects 0 to ${bus.chipSelect.length - 1}`,
        });
      } else {
        claim(chipSelect, `SPI${hal.rfid.spiBus} CE${hal.rfid.spiChipSelect}`, ['rfid', 'spiChipSelect']);
      }
      for (const [signal, pin] of Object.entries(bus.shared)) claim(pin, `SPI${hal.rfid.spiBus} ${signal}`, ['rfid']);
    }
    claim(hal.relayPin, 'the relay', ['relayPin']);
    claim(hal.doorPin, 'the door sensor', ['doorPin']);
    claim(hal.trigPin, 'the HC-SR04 trigger', ['trigPin']);
    claim(hal.echoPin, 'the HC-SR04 echo', ['echoPin']);
    if (hal.rfid.enabled) claim(hal.rfid.resetPin, 'the RC522 reset', ['rfid', 'resetPin']);
  });
export type GpioHalConfig = z.infer<typeof GpioHalConfig>;

/** Every duration of the device rules, with SPEC §2's numbers as defaults. */
export const AgentTimings = z.object({
  /** SPEC §2: the strike is energised for 4 s. */
  relayPulseMs: positiveMs.default(4_000),
  /** SPEC §2: the door is sampled every 500 ms. */
  doorSampleMs: positiveMs.default(500),
  /** A door reading must hold this long before it counts: a reed contact bounces. */
  doorDebounceMs: positiveMs.default(50),
  /** SPEC §2: heartbeat every 30 s. */
  heartbeatMs: positiveMs.default(30_000),
  /** Counted from the moment the relay is energised: the pulse plus one second for the door to move. */
  openConfirmWindowMs: positiveMs.default(5_000),
  /** SPEC §2: a door opening within 15 s of a legitimate open is not an intrusion. */
  intrusionGraceMs: positiveMs.default(15_000),
  /** SPEC §2: lockdown lasts 5 min, then resets by itself. */
  lockdownMs: positiveMs.default(5 * 60_000),
  /** SPEC §2: first door-left-open reminder after 60 s. */
  doorLeftOpenFirstMs: positiveMs.default(60_000),
  /** SPEC §2: then a reminder every 30 s. */
  doorLeftOpenEveryMs: positiveMs.default(30_000),
  /** SPEC §2: presence is published every 10 s while the door is closed. */
  presencePublishMs: positiveMs.default(10_000),
  /** How often a distance reading (a burst of samples) is taken, so a change is seen within a second. */
  distanceMeasureEveryMs: positiveMs.default(1_000),
  /** Between two pings of one burst: an HC-SR04 needs about 60 ms for its echoes to die out. */
  distanceSampleGapMs: positiveMs.default(60),
  /** The rolling window of the anti-spam limit (SPEC §2: opens are rate-limited). */
  antiSpamWindowMs: positiveMs.default(60_000),
});
export type AgentTimings = z.infer<typeof AgentTimings>;

/** Counts and thresholds of the device rules, with SPEC §2's numbers as defaults. */
export const AgentRules = z.object({
  /** Anti-spam: at most this many opens per `antiSpamWindowMs` (badge opens are exempt). */
  antiSpamMaxOpens: z.number().int().positive().default(5),
  /** SPEC §2 (SEUIL_LOCKDOWN): lockdown at the 3rd intrusion alert. */
  lockdownAfterIntrusions: z.number().int().positive().default(3),
  /** SPEC §2: at most 3 reminders, then one escalation. */
  doorLeftOpenMaxReminders: z.number().int().positive().default(3),
  /** SPEC §2, §11.3: readings outside 1–200 cm are discarded. */
  distanceMinCm: z.number().nonnegative().default(1),
  distanceMaxCm: z.number().positive().default(200),
  /** SPEC §2: an object is present below 30 cm. */
  objectPresentBelowCm: z.number().positive().default(30),
  /** Samples per distance reading; the median of the valid ones is kept. */
  distanceSamples: z.number().int().min(1).max(15).default(5),
});
export type AgentRules = z.infer<typeof AgentRules>;

export const HalConfig = z.discriminatedUnion('driver', [SimulatorHalConfig, GpioHalConfig]);
export type HalConfig = z.infer<typeof HalConfig>;

export const AgentConfig = z
  .object({
    lockerId: z.string().regex(LOCKER_ID_PATTERN, 'A-Z, 0-9, _ and -, at most 64, starting with a letter or digit'),
    firmware: z.string().min(1).max(64).default(AGENT_FIRMWARE_VERSION),
    mqtt: z
      .object({
        /** The broker, as the provisioning bundle gives it. With `urls`, it is tried first. */
        url: brokerUrl.optional(),
        /**
         * The nodes of a clustered broker (docs/broker-cluster.md), in the order they are tried: a
         * locker that loses its node, or cannot reach it, goes on to the next, so it fails over to
         * a live one (docs/adr/0012-clustered-broker-nats-mqtt.md).
         */
        urls: z.array(brokerUrl).min(1).max(MAX_BROKER_URLS).optional(),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /**
         * For `mqtts://` / `wss://`: the broker's CA certificate (PEM), from the provisioning bundle.
         * Given, it is the only authority trusted for the broker (pinned), instead of the system's.
         */
        caPem: z
          .string()
          .regex(/-----BEGIN CERTIFICATE-----/, 'a PEM certificate (-----BEGIN CERTIFICATE-----)')
          .max(64 * 1024)
          .optional(),
        /** Defaults to `smartlocker-agent-{lockerId}`; the broker's ACL keys per-device rights on it. */
        clientId: z.string().min(1).max(128).optional(),
        keepaliveS: z.number().int().positive().max(65_535).default(30),
        /**
         * Reconnection after a loss: exponential backoff with jitter, so a fleet that lost its
         * broker does not hammer it in step when it comes back (docs/protocol.md §7).
         */
        reconnect: z
          .object({
            initialDelayMs: positiveMs.default(1_000),
            maxDelayMs: positiveMs.default(60_000),
            /** Each delay is spread by ± this fraction. */
            jitter: z.number().min(0).max(1).default(0.2),
          })
          .prefault({}),
      })
      .refine((mqtt) => mqtt.url !== undefined || mqtt.urls !== undefined, {
        message: 'give the broker as url, or the nodes of a clustered broker as urls',
        path: ['url'],
        // Run even when other fields failed, so one pass reports every problem.
        when: (payload) => typeof payload.value === 'object' && payload.value !== null,
      })
      // One list, `url` first and each broker once, whichever of the two fields the file used;
      // `url` stays, as the first of them, for whoever reads a parsed config's single broker.
      .transform(({ url, urls, ...rest }) => {
        const brokers = [...new Set([...(url === undefined ? [] : [url]), ...(urls ?? [])])];
        return { ...rest, url: brokers[0] as string, urls: brokers };
      }),
    /** The server's Ed25519 public key (SPEC §12: commands a device can verify), inline or as a file. */
    commandPublicKeyPem: z.string().min(1).optional(),
    commandPublicKeyPath: z.string().min(1).optional(),
    /**
     * Where the agent keeps what must survive a restart: the message sequence counter, seen
     * command ids and their outcomes, counters, lockdown, admin badges and the offline queue.
     */
    stateDir: z.string().min(1),
    hal: HalConfig,
    timings: AgentTimings.prefault({}),
    rules: AgentRules.prefault({}),
    offlineQueue: z
      .object({
        /** Events and acks kept while offline; beyond it the oldest are dropped and counted. */
        maxEntries: z.number().int().positive().default(10_000),
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
