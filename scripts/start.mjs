// `npm start`: brings dist/ up to date with TypeScript's build mode, then runs the local host in this
// same process with dev features on. `tsc -b` compiles only when a source changed since the last
// build (it keeps its records in dist/.tsbuild/), so a restart with no change costs a
// fraction of a second; a fresh clone, with no dist/, gets a full build. The host then prints how long
// start-up took, counted from the start of this process: the build check included.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTsc } from './tsc.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The same build as `npm run build`, without the cost of starting npm again.
const built = runTsc(['-b']);
if (built !== 0) process.exit(built);

// The host reads its options from process.argv: `npm start -- --port 7300` reaches it unchanged.
require(path.join(root, 'dist/local/host/cli.js'));
