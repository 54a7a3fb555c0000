// The local host as a child process (`npm run host`), for tests that kill it or share its data file.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './support-host';

export interface HostProcess {
  child: ChildProcess;
  url: string;
}

/** Starts the host CLI on `dbFile` (with dev features); resolves once it listens. */
export async function startHostProcess(dbFile: string, env: NodeJS.ProcessEnv): Promise<HostProcess> {
  const cli = path.join(repoRoot, 'dist/local/host/cli.js');
  const args = [cli, '--app', repoRoot, '--port', '0', '--db', dbFile, '--dev', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url };
}

/** Kills a child host if it is still running. */
export function killHost(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
