// The benchmark's host: `dist/local/host/cli.js` in a child process on a free port of 127.0.0.1,
// with the settings given, stopped with SIGINT (a clean shutdown).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BenchHost {
  url: string;
  stop(): Promise<void>;
}

export async function startBenchHost(options: {
  dbFile: string;
  /** Settings for the host and the app, over this process's environment. */
  env: Record<string, string>;
  /** Write a V8 CPU profile of the host there. */
  profileDir?: string;
  /** Another build's compiled function app (its folder). */
  app?: string;
  /** Dev features (the fault plan at run time, `/admin/faults`). */
  dev?: boolean;
  /** Consumer threads (`--workers`); default: the host's own default. */
  workers?: number;
  /** Where the host's log goes (default: this process's stderr). */
  stderr?: 'inherit' | 'ignore';
}): Promise<BenchHost> {
  const root = projectRoot();
  const profile = options.profileDir
    ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(options.profileDir)]
    : [];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      path.join(root, 'dist/local/host/cli.js'),
      ...(options.app ? ['--app', path.resolve(options.app)] : []),
      '--db',
      options.dbFile,
      '--port',
      '0',
      '--log-level',
      'warn',
      ...(options.dev ? ['--dev'] : []),
      ...(options.workers !== undefined ? ['--workers', String(options.workers)] : []),
    ],
    {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before listening`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

// The project's folder: this file runs from bench/ (tests) or dist/bench/ (npm run bench).
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
