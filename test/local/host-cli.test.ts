// The host command line: bad options and broken apps give a one-line reason and a non-zero exit.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnHost } from '../helpers/hosts';

const cli = path.join(repoRoot, 'dist/local/host/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
}

describe('host command line', () => {
  it('rejects an unknown option', () => {
    const r = run(['--nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^host: .*nope/);
  });

  it('rejects a bad port', () => {
    const r = run(['--port', 'abc']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port must be a port number/);
  });

  it('says why when the directory is not a function app', () => {
    const r = run(['--app', dir, '--db', ':memory:']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/No package\.json/);
  });

  it('says why when the app throws while loading', () => {
    const app = path.join(dir, 'broken');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ main: 'index.js' }));
    fs.writeFileSync(path.join(app, 'index.js'), 'throw new Error("cannot start: missing setting FOO");');
    const r = run(['--app', app, '--db', ':memory:']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('host: The app failed to load: cannot start: missing setting FOO');
  });

  it('says whether main names a missing file or a glob that matches nothing', () => {
    const app = path.join(dir, 'unbuilt');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ main: 'dist/src/{index.js,functions/*.js}' }),
    );
    const glob = run(['--app', app, '--db', ':memory:']);
    expect(glob.status).toBe(2);
    expect(glob.stderr.split('\n')[0]).toBe(
      `host: "main" (dist/src/{index.js,functions/*.js}) matches no file in ${app}: is the app built, and does the pattern name its output?`,
    );
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ main: 'dist/index.js' }));
    const file = run(['--app', app, '--db', ':memory:']);
    expect(file.stderr.split('\n')[0]).toBe(
      `host: "main" names ${path.join(app, 'dist/index.js')}, which does not exist: is the app built?`,
    );
  });

  it('lists functions with triggers and URLs, and shuts down cleanly on Ctrl-C', async () => {
    const host = await spawnHost({ dbFile: path.join(dir, 'cli.db') });
    try {
      expect(host.output()).toMatch(new RegExp(`itemGet: \\[GET\\] ${host.url}/api/items/\\{id:int\\}`));
      expect(host.output()).toMatch(/everyFiveMinutes: timerTrigger \(schedule 0 \*\/5 \* \* \* \*\)/);
      expect(host.output()).toMatch(/Data file: .*cli\.db/);
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
