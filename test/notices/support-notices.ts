// A host for the notice tests: the app with its operators' events kept (the overdue timer's `overdue.scanned`
// line tells a test that a run has finished), and reading a member's inbox through HTTP.
import type { LocalHost } from '../../local/host/host';
import type { TelemetryEvent } from '../../functions/lib/telemetry';
import { eventLog, eventually, library, libraryHost, memberToken } from '../rentals/support-host';

export interface NoticeReply {
  id: string;
  kind: string;
  text: string;
  rentalId?: string;
  holdId?: string;
  bookTitle?: string;
  createdAt: string;
}

export type ScanLine = Extract<TelemetryEvent, { event: 'overdue.scanned' }>;

interface NoticesHost {
  readonly host: LocalHost;
  readonly lib: ReturnType<typeof library>;
  /** The operators' events the app logged so far. */
  readonly log: ReturnType<typeof eventLog>;
}

/** The app on a host of its own for one test file, its operators' events kept. Set app settings first. */
export function noticesHost(): NoticesHost {
  const log = eventLog();
  const ctx = libraryHost({ logger: log.logger });
  return {
    get host() {
      return ctx.host;
    },
    get lib() {
      return ctx.lib;
    },
    log,
  };
}

/** The `overdue.scanned` lines logged so far. */
function scanLines(log: NoticesHost['log']): ScanLine[] {
  return log
    .events()
    .map((e) => e.event)
    .filter((e): e is ScanLine => e.event === 'overdue.scanned');
}

/** Runs the overdue timer now (POST /admin/functions/overdue-scan) and waits for its log line. */
export async function runOverdueScan(ctx: Pick<NoticesHost, 'lib' | 'log'>): Promise<ScanLine> {
  const before = scanLines(ctx.log).length;
  const started = await ctx.lib.api('POST', '/admin/functions/overdue-scan');
  if (started.status !== 202) throw new Error(`overdue-scan: ${started.status}`);
  return eventually(async () => scanLines(ctx.log)[before], 30_000, 'the overdue scan to finish');
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
