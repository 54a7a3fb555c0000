// The TypeScript compiler the project builds with: TypeScript 7, the native compiler, installed as the
// `typescript-go` development dependency (an npm alias of `typescript@7`). The `typescript` dependency
// (5.9) stays for the tools that call TypeScript's JavaScript API, which 7.0 does not ship:
// typescript-eslint, openapi-typescript and the infrastructure test's scan of the code
// (docs/decisions/0018-native-typescript-compiler.md). Both packages install a `tsc` command, so the
// scripts name this one by its path.
//   node scripts/tsc.mjs [tsc options]      e.g. `-b` (npm run build, npm run typecheck)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The compiler's command-line entry, run with `node`. */
export const tscPath = path.join(path.dirname(require.resolve('typescript-go/package.json')), 'bin/tsc');

/** Runs the compiler in the project's root with `args`, its output on this process's; its exit status. */
export function runTsc(args) {
  return spawnSync(process.execPath, [tscPath, ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(runTsc(process.argv.slice(2)));
}
