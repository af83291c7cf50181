// The embedded broker (apps/server/src/broker/embeddedBroker.ts) alone, anonymous, on the port
// given: the fault suite kills this process to kill the broker and nothing else.
import { startEmbeddedBroker } from '../../apps/server/src/broker/embeddedBroker';

const port = Number(process.argv[2]);
await startEmbeddedBroker({ host: '127.0.0.1', port });
process.stdout.write(`aedes listening on ${port}\n`);
