// A host for the notice tests: the app with its log lines kept (the overdue timer's `overdue.scanned`
// line tells a test that a run has finished), and reading a member's inbox through HTTP.
import { afterAll, beforeAll } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { createLogger } from '../../local/host/logger';
import { repoRoot, startHost } from '../helpers/hosts';
import { eventually, library, memberToken, TEST_SECRET } from '../rentals/support-host';

export interface NoticeReply {
  id: string;
  kind: string;
  text: string;
  rentalId?: string;
  holdId?: string;
  bookTitle?: string;
  createdAt: string;
}

export interface ScanLine {
  event: 'overdue.scanned';
  overdue: number;
  markedOverdue: number;
  dueSoon: number;
  reminders: number;
  checked: number;
}

/** The app on a host of its own for one test file, its log lines kept. Set app settings before calling. */
export function noticesHost(): {
  readonly host: LocalHost;
  readonly lib: ReturnType<typeof library>;
  readonly lines: string[];
} {
  const ctx = { lines: [] as string[] } as {
    host: LocalHost;
    lib: ReturnType<typeof library>;
    lines: string[];
  };
  beforeAll(async () => {
    process.env.LOCAL_AUTH_SECRET = TEST_SECRET;
    ctx.host = await startHost({
      appDir: repoRoot,
      logger: createLogger('info', (line) => ctx.lines.push(line)),
    });
    ctx.lib = library(ctx.host.url);
  });
  afterAll(async () => {
    await ctx.host?.stop();
  });
  return ctx;
}

/** The `overdue.scanned` lines logged so far. */
export function scanLines(lines: readonly string[]): ScanLine[] {
  return lines
    .filter((l) => l.includes('[overdue-scan] {"event":"overdue.scanned"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as ScanLine);
}

/** Runs the overdue timer now (POST /admin/functions/overdue-scan) and waits for its log line. */
export async function runOverdueScan(ctx: {
  lib: ReturnType<typeof library>;
  lines: string[];
}): Promise<ScanLine> {
  const before = scanLines(ctx.lines).length;
  const started = await ctx.lib.api('POST', '/admin/functions/overdue-scan');
  if (started.status !== 202) throw new Error(`overdue-scan: ${started.status}`);
  return eventually(async () => scanLines(ctx.lines)[before], 30_000, 'the overdue scan to finish');
}

/** A member's inbox, newest first (one page of up to 100). */
export async function inbox(lib: ReturnType<typeof library>, memberId: string): Promise<NoticeReply[]> {
  const reply = await lib.api<{ items: NoticeReply[] }>('GET', `/api/members/${memberId}/notices?limit=100`, {
    token: memberToken(memberId),
  });
  if (reply.status !== 200) throw new Error(`notices: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.items;
}

/** Polls the inbox until `ok` holds for it. */
export function inboxWhen(
  lib: ReturnType<typeof library>,
  memberId: string,
  ok: (items: NoticeReply[]) => boolean,
  what: string,
): Promise<NoticeReply[]> {
  return eventually(
    async () => {
      const items = await inbox(lib, memberId);
      return ok(items) ? items : undefined;
    },
    30_000,
    what,
  );
}
