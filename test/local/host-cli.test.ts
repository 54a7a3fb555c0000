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

  it('--help prints the usage and what each option means', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: host /);
    for (const option of ['--app DIR', '--port N', '--db FILE', '--dev', '--log-level LEVEL', '--help'])
      expect(r.stdout).toMatch(new RegExp(`^  ${option} +\\S`, 'm'));
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

  it("the app's start-up screen on a fresh data file fits a screen: a line a function, no warning", async () => {
    // The app itself (its containers do not exist yet), as npm start shows it.
    const host = await spawnHost({
      appDir: repoRoot,
      dbFile: path.join(dir, 'fresh.db'),
      env: { LOCAL_AUTH_SECRET: '' },
    });
    try {
      const all = host.output().split('\n');
      const screen = all.slice(0, all.findIndex((l) => l.startsWith('Listening on')) + 1);
      const listed = screen.slice(
        screen.indexOf('Functions:') + 1,
        screen.findIndex((l) => l.startsWith('Data file:')),
      );
      const functions = fs.readdirSync(path.join(repoRoot, 'functions')).filter((f) => f.endsWith('.ts'));
      // Each file registers one function or more (the saga's activities share one), each on a line.
      expect(listed.length).toBeGreaterThanOrEqual(functions.length);
      for (const line of listed) expect(line).toMatch(/^ {2}[\w-]+: \S/);
      expect(screen.filter((l) => l.trim() === '')).toEqual([]);
      expect(screen.filter((l) => / (warn|error) /.test(l))).toEqual([]);
      expect(screen.length).toBe(listed.length + 6);
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
