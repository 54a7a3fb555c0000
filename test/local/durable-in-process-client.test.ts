// The in-process durable client is installed on the axios of the app's own durable-functions, found
// from the app's folder: an app kept outside this repository (with its own node_modules) gets its
// durable API answered in-process too, not over a socket.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveInProcess } from '../../local/durable/in-process-client';

const repoModules = path.resolve(__dirname, '../../node_modules');
let appDir: string;

// An app folder with its own copies of durable-functions and axios (distinct module instances from
// the host's) and every other package linked from the repository.
beforeAll(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-foreign-app-'));
  const modules = path.join(appDir, 'node_modules');
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(repoModules)) {
    if (entry === 'durable-functions' || entry === 'axios' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(repoModules, entry), path.join(modules, entry));
  }
  for (const copied of ['durable-functions', 'axios']) {
    fs.cpSync(path.join(repoModules, copied), path.join(modules, copied), { recursive: true });
  }
});
afterAll(() => fs.rmSync(appDir, { recursive: true, force: true }));

function appAxios(dir: string): { get(url: string): Promise<{ status: number; data: unknown }> } {
  const fromDurable = createRequire(require.resolve('durable-functions', { paths: [dir] }));
  return fromDurable('axios') as ReturnType<typeof appAxios>;
}

describe('in-process durable client', () => {
  it("answers the durable API from the app's own axios, for an app outside the repository", async () => {
    const foreign = appAxios(appDir);
    expect(foreign).not.toBe(appAxios(path.resolve(__dirname, '../..'))); // really another copy

    // Port 9 (discard) on loopback: nothing listens, a socket request would fail.
    const origin = 'http://127.0.0.1:9';
    const seen: string[] = [];
    const stop = serveInProcess(appDir, origin, async (req) => {
      seen.push(`${req.method} ${req.path}`);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { runtimeStatus: 'Completed' },
      };
    });
    try {
      const res = await foreign.get(`${origin}/runtime/webhooks/durabletask/instances/abc?code=k`);
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ runtimeStatus: 'Completed' });
      expect(seen).toEqual(['GET runtime/webhooks/durabletask/instances/abc']);
    } finally {
      stop();
    }
    // Once the host stops serving that origin, the request goes to the socket (and finds nothing).
    await expect(foreign.get(`${origin}/runtime/webhooks/durabletask/instances/abc`)).rejects.toThrow();
  });
});
