// The command-line tools: each answers --help, refuses a wrong option with its usage, and finds the
// running host from the record beside the data file, whatever port the host took.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRecordFile } from '../../local/host/host-record';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-cli-'));
const env = { ...process.env };
delete env.LOCAL_AUTH_SECRET;
const hosts: ChildHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tools: Record<string, string> = {
  token: 'dist/scripts/token.js',
  seed: 'dist/scripts/seed.js',
  'host:url': 'dist/scripts/host-url.js',
  events: 'dist/scripts/events.js',
  'views:rebuild': 'dist/scripts/views-rebuild.js',
  bench: 'dist/bench/bench.js',
  host: 'dist/local/host/cli.js',
  'start:func': 'scripts/start-func.mjs',
  'complete-lockfile': 'scripts/complete-lockfile.mjs',
  'check-azure-build': 'scripts/check-azure-build.mjs',
  'package:azure': 'scripts/azure-package.mjs',
  smoke: 'dist/scripts/smoke.js',
};
// How each names itself in its usage line: the npm script, or how to run the file.
const usageOf = (tool: string) =>
  tools[tool].endsWith('.mjs') && !['start:func', 'package:azure'].includes(tool)
    ? `usage: node ${tools[tool]}`
    : `usage: ${tool}`;

/**
 * Runs a tool to its end. Not spawnSync: a worker blocked on child after child cannot read vitest's
 * answers meanwhile, and on a loaded machine its calls to vitest timed out (60 s) and failed the run.
 */
function run(
  tool: string,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(repoRoot, tools[tool]), ...args],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 30_000 },
      (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

async function startHost(dbFile: string): Promise<ChildHost> {
  const host = await spawnHost({ appDir: repoRoot, dbFile, env: { LOCAL_AUTH_SECRET: '' } });
  hosts.push(host);
  return host;
}

// Each tool's process is its own: they run side by side.
describe.concurrent('every command-line tool', () => {
  it.each(Object.keys(tools))('%s answers --help with its usage and exit code 0', async (tool) => {
    const r = await run(tool, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(usageOf(tool))).toBe(true);
    expect(r.stderr).toBe('');
  });

  it.each(Object.keys(tools))('%s refuses an unknown option with its usage and exit code 2', async (tool) => {
    const r = await run(tool, '--no-such-option');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${tool}: .*no-such-option.*\\n`));
    expect(r.stderr.split('\n')[1].startsWith(usageOf(tool))).toBe(true);
    expect(r.stdout).toBe('');
  });
});

describe('finding the running host', () => {
  it('the tools talk to the host running on the data file, on whatever port it took, and say so', async () => {
    const dbFile = path.join(dir, 'running.db');
    const host = await startHost(dbFile);
    expect(host.url).not.toBe('http://127.0.0.1:7071');
    expect(host.output()).toMatch(/^Started in \d+\.\d s$/m);
    expect(JSON.parse(fs.readFileSync(hostRecordFile(dbFile), 'utf8'))).toMatchObject({
      url: host.url,
      pid: host.pid,
      dataFile: dbFile,
    });

    const url = await run('host:url', '--db', dbFile);
    expect(url).toEqual({ status: 0, stdout: `${host.url}\n`, stderr: '' });

    const seeded = await run('seed', '--db', dbFile);
    expect(seeded.status).toBe(0);
    expect(seeded.stderr).toBe(`seed: host ${host.url} (running on ${dbFile})\n`);
    const created = [...seeded.stdout.matchAll(/^ {2}([0-9a-f-]{36}) {2}(.+)$/gm)].map((m) => [m[1], m[2]]);
    expect(created).toHaveLength(8);

    const librarian = await run('token', '--librarian', '--db', dbFile);
    expect(librarian.status).toBe(0);
    expect(librarian.stderr).toBe(`token: host ${host.url} (running on ${dbFile})\n`);
    const listed = await fetch(`${host.url}/api/members?limit=100`, {
      headers: { authorization: `Bearer ${librarian.stdout.trim()}` },
    });
    const members = ((await listed.json()) as { items: { id: string; name: string }[] }).items;
    expect(members.map((m) => [m.id, m.name]).sort()).toEqual([...created].sort());

    // Nothing to load: the members there are, again.
    const again = await run('seed', '--db', dbFile);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/nothing loaded/);
    expect(
      [...again.stdout.matchAll(/^ {2}([0-9a-f-]{36}) {2}(.+)$/gm)].map((m) => [m[1], m[2]]).sort(),
    ).toEqual([...created].sort());

    const member = await run('token', '--member', created[0][0], '--db', dbFile);
    expect(member.status).toBe(0);
    const me = await fetch(`${host.url}/api/members/${created[0][0]}`, {
      headers: { authorization: `Bearer ${member.stdout.trim()}` },
    });
    expect(me.status).toBe(200);
    expect((await run('token', '--member', 'nobody', '--db', dbFile)).stderr).toMatch(/has no member nobody/);
  });

  it('--url overrides the record; a host that refuses the token fails the command', async () => {
    const dbFile = path.join(dir, 'override.db');
    const host = await startHost(dbFile);
    const otherDb = path.join(dir, 'other', 'other.db');

    // No host on the other data file: the token is still made, and the command says so.
    const offline = await run('token', '--librarian', '--db', otherDb);
    expect(offline.status).toBe(0);
    expect(offline.stderr).toMatch(/no host is running on .*other\.db/);
    expect(await run('seed', '--db', otherDb)).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(
        /^seed: no host is running on .*other\.db: start one with npm start, or give --url\.\n$/,
      ),
    });

    // Pointed at the host with --url, but signing with the other data file's secret: refused.
    const refused = await run('token', '--librarian', '--db', otherDb, '--url', host.url);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/refuses this token/);
    expect(await run('seed', '--db', otherDb, '--url', host.url)).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/refused the token/),
    });

    // The right secret, the host given explicitly.
    const seeded = await run(
      'seed',
      '--db',
      dbFile,
      '--url',
      `${host.url}/`,
      '--members',
      '1',
      '--books',
      '1',
    );
    expect(seeded.status).toBe(0);
    expect(seeded.stderr).toBe(`seed: host ${host.url} (given with --url)\n`);

    expect((await run('seed', '--url', 'not a url')).status).toBe(2);
  });

  it('a clean shutdown removes the record; a killed host leaves one that the tools see is stale', async () => {
    const dbFile = path.join(dir, 'stopping.db');
    const stopped = await startHost(dbFile);
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(true);
    expect(await stopped.stop()).toBe(0);
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(false);
    expect(await run('host:url', '--db', dbFile)).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/no host is running on/),
    });

    const killed = await startHost(dbFile);
    await killed.kill();
    expect(fs.existsSync(hostRecordFile(dbFile))).toBe(true);
    const stale = await run('seed', '--db', dbFile);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`(process ${killed.pid}, ${killed.url}) is no longer running`);

    // The next host on the file replaces the stale record.
    const next = await startHost(dbFile);
    expect((await run('host:url', '--db', dbFile)).stdout).toBe(`${next.url}\n`);
  });
});
