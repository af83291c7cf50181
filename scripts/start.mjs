// `npm start`: the server from its bundle (apps/server/build.mjs), rebuilt first when a source
// changed. Stack traces point into the TypeScript sources through the bundle's source maps.
import { ensureServerBundle } from '../apps/server/build.mjs';

process.setSourceMapsEnabled(true);
await import(await ensureServerBundle());
