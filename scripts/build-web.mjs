// Builds the web app into dist/web (run after `tsc -b`, which compiles the OpenAPI document it reads):
//   1. writes the API's OpenAPI document (functions/lib/openapi-document.ts) to dist/openapi.json;
//   2. generates the client's types from it with openapi-typescript and compares them with
//      web/src/api/openapi.d.ts: when they differ the API changed and the page may no longer fit it,
//      so the build stops (`--write-types` writes them anew; then the type check below shows what in
//      the page needs to change);
//   3. type-checks the page (web/tsconfig.json) and bundles it with Vite.
// Step 3 is skipped when nothing it reads changed since the last build (a stamp in dist/web), so a
// restart with no change costs little.
//   node scripts/build-web.mjs [--write-types]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runTsc } from './tsc.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: node scripts/build-web.mjs [--write-types]';
let writeTypes;
try {
  ({ 'write-types': writeTypes } = parseArgs({
    options: { 'write-types': { type: 'boolean', default: false } },
    strict: true,
  }).values);
} catch (err) {
  process.stderr.write(`build-web: ${err.message}\n${usage}\n`);
  process.exit(2);
}

function fail(message) {
  process.stderr.write(`build-web: ${message}\n`);
  process.exit(1);
}

// 1. The document, as the running app serves it at /api/openapi.json.
const { openApiDocument } = require(path.join(root, 'dist/functions/lib/openapi-document.js'));
const documentFile = path.join(root, 'dist/openapi.json');
fs.writeFileSync(documentFile, JSON.stringify(openApiDocument(), null, 2) + '\n');

// 2. The client's types.
const { default: openapiTS, astToString } = await import('openapi-typescript');
const header = "// Generated from the API's OpenAPI document by scripts/build-web.mjs: do not edit.\n";
const types = header + astToString(await openapiTS(pathToFileURL(documentFile)));
const typesFile = path.join(root, 'web/src/api/openapi.d.ts');
const current = fs.existsSync(typesFile) ? fs.readFileSync(typesFile, 'utf8') : undefined;
if (current !== types) {
  if (!writeTypes)
    fail(
      `${path.relative(root, typesFile)} is ${current === undefined ? 'missing' : 'stale'}: ` +
        'the API changed since the page was last built against it. `npm run build:web -- --write-types` ' +
        "writes the types anew; the page's type check then shows what has to follow.",
    );
  fs.writeFileSync(typesFile, types);
  process.stderr.write(`build-web: wrote ${path.relative(root, typesFile)}\n`);
}

// 3. Type check and bundle, unless nothing they read changed.
const outDir = path.join(root, 'dist/web');
const stampFile = path.join(outDir, '.build-stamp');
const stamp = inputsHash();
if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

if (runTsc(['-p', 'web/tsconfig.json']) !== 0) fail('the page does not type-check (above).');
const { build } = await import('vite');
await build({ configFile: path.join(root, 'web/vite.config.mts'), logLevel: 'warn' });
fs.writeFileSync(stampFile, stamp);

/** A hash of every file the page's build reads: its sources, its configuration, the lock file. */
function inputsHash() {
  const hash = createHash('sha256');
  const files = (dir) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const file of [...files(path.join(root, 'web')), path.join(root, 'package-lock.json')]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}
