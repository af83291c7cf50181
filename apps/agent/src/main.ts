import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { describeBroker } from './AgentConnection';
import { AgentError } from './AgentError';
import { AGENT_FIRMWARE_VERSION, loadAgentConfigFile } from './config';
import { startAgent } from './index';
import { installProcessGuards } from './processGuards';

const USAGE = `smartlocker-agent ${AGENT_FIRMWARE_VERSION}: the program that runs one SmartLocker locker.

Usage: smartlocker-agent --config <path.json>

Options:
  -c, --config <path>  the agent configuration file (written by provisioning)
  -h, --help           show this help
  -v, --version        print the firmware version

Smallest configuration (relative paths are relative to the file):
  {
    "lockerId": "SCHOOL-A-01",
    "mqtt": { "url": "mqtts://gateway.local:8883", "username": "SCHOOL-A-01", "password": "..." },
    "commandPublicKeyPath": "command-public.pem",
    "stateDir": "/var/lib/smartlocker-agent",
    "hal": { "driver": "simulator" }
  }
A clustered broker: "mqtt": { "urls": ["mqtts://node-a:8883", "mqtts://node-b:8883"], ... } (tried in order).
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${AGENT_FIRMWARE_VERSION}\n`);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`--config is required\n\n${USAGE}`);
    return 2;
  }

  const config = loadAgentConfigFile(values.config);
  const logger = pino({ name: 'smartlocker-agent', level: config.logLevel });
  const agent = await startAgent(config, { logger });
  // The driver actually chosen: `auto` resolves to gpio on a Raspberry Pi, the simulator elsewhere.
  logger.info(
    { lockerId: config.lockerId, brokers: config.mqtt.urls.map(describeBroker), hal: agent.hal.driver },
    'agent started',
  );

  // SPEC §2: whatever ends the process (signal, bug), the strike is released first.
  installProcessGuards(agent, { logger });
  // The guards end the process; until then the timers and the broker session keep it alive.
  return new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof AgentError ? error.message : `unexpected: ${(error as Error).stack ?? String(error)}`;
    process.stderr.write(`smartlocker-agent: ${message}\n`);
    process.exit(1);
  },
);
