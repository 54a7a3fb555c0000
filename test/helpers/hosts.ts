// Test helpers: a local host in this process, or one in a child process that can be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { LocalHost, LocalHostOptions } from '../../local/host/host';
import type * as HostModule from '../../local/host/host';
import { createLogger } from '../../local/host/logger';

export const repoRoot = path.resolve(__dirname, '../..');
export const fixtureAppDir = path.join(repoRoot, 'test/fixture-app');

// The hosts' log lines since the last test ended, printed only when a test fails: many tests make a
// function fail on purpose (and check the answer, not the log), so a passing run prints none of them.
const held: string[] = [];

/** Keeps a log line until the running test ends: printed if it fails, dropped if it passes. */
export function holdLogLine(line: string): void {
  held.push(line);
}

afterEach(({ task }) => {
  if (task.result?.state === 'fail' && held.length)
    process.stderr.write(`The hosts' log while "${task.name}" ran:\n${held.join('\n')}\n`);
  held.length = 0;
});

/** A host in this process on a free port; its errors are shown when a test fails. */
export async function startHost(options: Partial<LocalHostOptions> = {}): Promise<LocalHost> {
  // The host's compiled code in dist/, loaded by Node as the app it serves already is (build first,
  // as for spawnHost). Through vitest's own loader each of its modules is transformed and fetched
  // from vitest's main process: the 89 files that start no child process took 176-182 s of processor
  // time that way, 164 s this way (one run each, 2 cores).
  // Loaded when a test first starts one: a file whose hosts all run in child processes is spared it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path from dist/, as above
  const { LocalHost } = require(path.join(repoRoot, 'dist/local/host/host.js')) as typeof HostModule;
  return LocalHost.start({
    appDir: fixtureAppDir,
    port: 0,
    dbFile: ':memory:',
    dev: true,
    logger: createLogger((process.env.HOST_LOG_LEVEL as 'warn') ?? 'error', holdLogLine),
    ...options,
  });
}

export interface ChildHost {
  url: string;
  pid: number;
  process: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown, nothing flushed beyond what SQLite already committed. */
  kill(): Promise<void>;
  /** SIGINT: a clean shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node dist/local/host/cli.js` (build first) and waits until it listens. */
export function spawnHost(args: {
  appDir?: string;
  dbFile: string;
  dev?: boolean;
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}): Promise<ChildHost> {
  const cli = path.join(repoRoot, 'dist/local/host/cli.js');
  const argv = [
    cli,
    '--app',
    args.appDir ?? fixtureAppDir,
    '--db',
    args.dbFile,
    '--port',
    '0',
    ...(args.dev === false ? [] : ['--dev']),
    ...(args.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...args.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 30_000);
    const onData = (): void => {
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        url: m[1],
        pid: child.pid!,
        process: child,
        output: () => out,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`host exited (${code}) before listening:\n${out}`));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `GET /api/books/{bookId}` for each method of each HTTP function the host serves, constraints dropped;
 * a HEAD beside a GET is left out (it is that GET without its body, and the API documents list GETs).
 */
export function registeredHttpRoutes(host: LocalHost): string[] {
  return (
    host.functions
      // The web app's files (functions/web.ts) are the page, open to anyone, not a route of the API.
      .filter((f) => f.trigger === 'httpTrigger' && f.name !== 'web')
      .flatMap((f) => {
        const [, methods, route] = /^\[([^\]]+)\] (\S+)$/.exec(f.detail)!;
        const listed = methods.split(',');
        return listed
          .filter((m) => m !== 'HEAD' || !listed.includes('GET'))
          .map((m) => `${m} ${route.replace(/\{(\w+)(:[^}]*)?\??\}/g, '{$1}')}`);
      })
      .sort()
  );
}
