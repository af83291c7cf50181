/**
 * Every failure the agent reports to a person carries a stable code, so an installer's runbook
 * and the server's logs can match on it instead of on wording.
 */
export const AGENT_ERROR_CODES = [
  'config_unreadable',
  'config_invalid',
  'command_key_invalid',
  'seq_state_corrupt',
  'seq_state_unwritable',
  'replay_state_unwritable',
  'device_state_unwritable',
  'offline_queue_unwritable',
  'hal_driver_not_built',
  'hal_driver_unavailable',
  'relay_release_failed',
  'not_connected',
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

export class AgentError extends Error {
  override readonly name = 'AgentError';

  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
