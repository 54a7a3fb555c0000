// Run as a child process on the compiled app (`node dist/test/infra/registrations.js <app dir>`):
// loads every function file the way the Functions worker does and prints their registrations (name
// and bindings) as JSON. A child process, so an app that refuses to load with some settings leaves
// nothing behind in the test's own process.
import { findApp } from '../../local/host/app-loader';
import { installCoreApi } from '../../local/host/core-api';

async function main(): Promise<void> {
  const core = installCoreApi();
  for (const file of findApp(process.argv[2] ?? '.').mainFiles) await import(file);
  process.stdout.write(JSON.stringify([...core.registrations.values()].map((r) => r.metadata)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
