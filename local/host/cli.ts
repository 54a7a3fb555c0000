// `npm run host -- [--app DIR] [--port N] [--db FILE] [--dev] [--workers N]`: serves a compiled v4 function app.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLocalAuthSecret } from './auth-secret';
import { DataFileInUse } from './data-file-lock';
import { AppLoadError, LocalHost } from './host';

const usage =
  'usage: host [--app DIR] [--port N] [--db FILE] [--dev] [--workers N] [--log-level debug|info|warn|error]';
const help = `
Serves a compiled Azure Functions app (Node v4 model) on this machine, with every Azure service it
uses stood in for by one SQLite file.

  --app DIR          the function app: its package.json "main" names the compiled files (default: .)
  --port N           the port on 127.0.0.1; 0 picks a free one (default: PORT, else 7071)
  --db FILE          the data file; :memory: for a throwaway run (default: .data/local.db). One host
                     runs on a data file at a time
  --dev              dev features: the movable clock (POST /admin/clock), keyless admin runs of
                     timers, the web app's sign-in page (npm start turns this on)
  --workers N        consumer threads: the trigger consumers (change feeds, Event Hubs, Service Bus,
                     timers) run on N threads beside the one serving HTTP and the durable task hub;
                     0 runs everything on one thread (default: 0; on a 2-core machine one consumer
                     thread measured slower than none: see docs/decisions/0016-consumer-threads.md)
  --log-level LEVEL  debug, info, warn or error (default: info)
  --help             this text

Settings: the environment and the app's local.settings.json (its Values), as func start reads them.`;

function fail(message: string): never {
  process.stderr.write(`host: ${message}\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        app: { type: 'string', default: '.' },
        port: { type: 'string', default: process.env.PORT ?? '7071' },
        db: { type: 'string', default: '.data/local.db' },
        dev: { type: 'boolean', default: false },
        workers: { type: 'string', default: '0' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n${help}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be a port number, not "${values.port}".`);
  const workers = Number(values.workers);
  if (!/^\d+$/.test(values.workers) || workers > 64)
    fail(`--workers must be a whole number from 0 to 64, not "${values.workers}".`);
  const logLevel = values['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    fail(`--log-level must be debug, info, warn or error.`);

  process.env.LOCAL_AUTH_SECRET = resolveLocalAuthSecret(values.db);
  let host: LocalHost;
  try {
    host = await LocalHost.start({
      appDir: values.app,
      port,
      dbFile: values.db,
      dev: values.dev,
      workers,
      logLevel: logLevel as 'info',
    });
  } catch (err) {
    if (err instanceof DataFileInUse) {
      // Not a wrong use of the command: the file is taken. Exit 1, as a tool does that cannot do its work.
      process.stderr.write(`host: ${err.message}\n`);
      process.exit(1);
    }
    if (err instanceof AppLoadError) fail(err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      fail(`port ${port} is in use; pick another with --port.`);
    fail((err as Error).message);
  }
  // Handle Ctrl-C before announcing the URL: whoever reads the announcement may stop us at once.
  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`host: ${why}, shutting down\n`);
    host.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`host: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT received'));
  process.on('SIGTERM', () => shutdown('SIGTERM received'));
  // Under `npm start` / `npm run host` the host is the child of the shell npm runs the script in. A
  // SIGTERM to npm is passed to that shell, which dies without passing it on; the host would run on,
  // listening, with no one to stop it. So under npm the host stops when its parent goes.
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && shutdown('the npm script it ran in ended'), 500).unref();
  }

  const dataFile = values.db === ':memory:' ? ':memory:' : path.resolve(values.db);
  process.stdout.write(`${host.describeFunctions()}\nData file: ${dataFile}\n`);
  if (host.clock.controllable)
    process.stdout.write(`Dev features on: POST ${host.url}/admin/clock {"advanceBy":"P8D"}\n`);
  // Counted from the start of the process: with `npm start`, the build check is included.
  process.stdout.write(`Started in ${(performance.now() / 1000).toFixed(1)} s\n`);
  // An app with a catch-all route at the root (this one's web page) is a site as well as an API.
  if (host.functions.some((f) => f.trigger === 'httpTrigger' && /^\[[^\]]+\] \/?\{\*/.test(f.detail)))
    process.stdout.write(`Web app on ${host.url}/ (the API under ${host.url}/api)\n`);
  process.stdout.write(`Listening on ${host.url}\n`);
}

void main();
