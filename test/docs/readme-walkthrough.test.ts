// The README's walk-through, run exactly as written: its lines are read from README.md (so the test
// fails when the README drifts), run one after the other in one bash, in a project directory whose
// host listens on a port of its own (not 7071), and every answer is checked.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';

const run = promisify(execFile);
const MARKER = '<!-- test/docs/readme-walkthrough.test.ts runs this block';

/** The commands of the README's walk-through block (a continued line joined to the next). */
function walkthrough(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error('README.md has no walk-through block marked for this test.');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error('No ```sh block follows the walk-through marker in README.md.');
  const commands: string[] = [];
  let pending = '';
  for (const line of block[1].split('\n')) {
    pending += line;
    if (line.endsWith('\\')) {
      pending += '\n';
      continue;
    }
    if (pending.trim() && !pending.trim().startsWith('#')) commands.push(pending);
    pending = '';
  }
  return commands;
}

/** One command of the script and what it printed on stdout. */
interface Step {
  command: string;
  output: string;
}

type Json = Record<string, unknown>;
const parse = (output: string) => JSON.parse(output) as Json;

// A project directory of its own: the real package.json and build, and a data directory of its own,
// so the commands run as written (`npm run seed`, with the default `--db .data/local.db`).
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-walkthrough-'));
let host: ChildHost;
let steps: Step[];

beforeAll(async () => {
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(project, 'package.json'));
  fs.symlinkSync(path.join(repoRoot, 'dist'), path.join(project, 'dist'), 'dir');
  host = await spawnHost({
    appDir: repoRoot,
    dbFile: path.join(project, '.data/local.db'),
    env: { LOCAL_AUTH_SECRET: '' },
  });

  const commands = walkthrough();
  const script = ['set -eu', ...commands.flatMap((c, i) => [`printf '\\n@@step ${i}\\n'`, c])].join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LOCAL_AUTH_SECRET;
  delete env.PORT;
  const { stdout } = await run('bash', ['-c', script], { cwd: project, env, timeout: 120_000 });
  const outputs = new Map<number, string>();
  for (const part of stdout.split('\n@@step ').slice(1)) {
    const newline = part.indexOf('\n');
    outputs.set(Number(part.slice(0, newline)), part.slice(newline + 1).trim());
  }
  steps = commands.map((command, i) => ({ command, output: outputs.get(i) ?? '' }));
}, 180_000);

afterAll(async () => {
  await host?.kill();
  fs.rmSync(project, { recursive: true, force: true });
});

const checked = new Set<Step>();

/** The one command matching `pattern`, whose answer the caller checks. */
function step(pattern: RegExp): Step {
  const found = steps.filter((s) => pattern.test(s.command));
  expect(
    found.map((s) => s.command),
    `one README command matches ${pattern}`,
  ).toHaveLength(1);
  checked.add(found[0]);
  return found[0];
}

describe('the README walk-through', () => {
  it('runs against a host on a port other than 7071', () => {
    expect(new URL(host.url).port).not.toBe('7071');
    expect(steps.length).toBeGreaterThan(10);
  });

  it('prints an answer only where the README shows one, and each answer is right', () => {
    const seed = step(/^npm run seed\b/);
    expect(seed.output).toMatch(/Loaded 12 books and 8 members with 5000 points each\./);
    const seeded = [...seed.output.matchAll(/^ {2}([0-9a-f-]{36}) {2}(.+)$/gm)].map((m) => m[2]);
    expect(seeded).toHaveLength(8);
    expect(seeded).toContain('Alex Kim');

    const search = parse(step(/^curl -s -w '\\n' "\$API\/members\?q=kim"/).output);
    expect(search).toMatchObject({ items: [{ name: 'Alex Kim', points: 5000 }], continuation: null });
    const memberId = (search.items as Json[])[0].id;

    const books = parse(step(/^curl -s -w '\\n' "\$API\/books\?limit=3"/).output);
    expect(books.items).toHaveLength(3);
    expect(books.continuation).toEqual(expect.any(String));

    const rental = parse(step(/^echo "\$RENTAL"/).output);
    expect(rental).toMatchObject({
      memberId,
      bookTitle: 'Refactoring',
      price: 700,
      status: 'APPROVED',
      dueAt: expect.any(String),
    });

    const member = parse(step(/^curl -s -w '\\n' "\$API\/members\/\$MEMBER"/).output);
    expect(member).toMatchObject({ id: memberId, name: 'Alex Kim', points: 5000 - 700 });

    const clock = parse(step(/^curl -s -w '\\n' -X POST "\$BASE\/admin\/clock"/).output);
    expect(Date.parse(clock.now as string) - Date.parse(rental.requestedAt as string)).toBeGreaterThanOrEqual(
      10 * 86_400_000,
    );

    const returned = parse(step(/^curl -s -w '\\n' -X POST "\$API\/rentals\/\$RENTAL_ID\/return"/).output);
    expect(returned).toMatchObject({ id: rental.id, status: 'RETURNED', lateDays: 3, fee: 500 });

    // Every other command only captures or defines: it prints nothing.
    const unchecked = steps.filter((s) => !checked.has(s));
    expect(unchecked.filter((s) => s.output !== '')).toEqual([]);
  });
});
