// The work one rent + return costs, counted by the host (local/host/counters.ts) and pinned here:
// a change that adds a function execution or a document write to a rental shows up as a failing
// test, to be argued for in review. This is ONE cycle on an idle host, counted once everything it
// set off has run (relays, projectors, notices): every consumer sees its changes one commit at a
// time. Under load the consumers take many cycles' changes in one execution, so the benchmark's
// per-cycle averages (`npm run bench`, its `work` line) are lower for them: about 10 executions,
// where an idle cycle runs 19 and the hub's consumer 1–4 times (each commit runs every consumer of
// its container's feed: docs/decisions/0015-fewer-writes-per-rent.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import type { Counts } from '../../local/host/counters';
import { inbox } from '../notices/support-notices';
import { eventually, library, memberToken, startHost } from './support-host';

// The timers would add executions of their own at whatever moment their schedule falls.
const TIMERS = ['rentals-resume', 'overdue-scan', 'holds-expiry'];

let host: LocalHost;
let lib: ReturnType<typeof library>;

beforeAll(async () => {
  for (const timer of TIMERS) process.env[`AzureWebJobs.${timer}.Disabled`] = 'true';
  host = await startHost();
  lib = library(host.url);
});

afterAll(async () => {
  await host?.stop();
  for (const timer of TIMERS) delete process.env[`AzureWebJobs.${timer}.Disabled`];
});

async function hostCounts(): Promise<Counts> {
  const status = await lib.api<{ counts: Counts }>('GET', '/admin/host/status', {
    headers: { 'x-functions-key': host.keys.master },
  });
  return status.body.counts;
}

/** The counts once nothing has run for a second: whatever a write set off has finished. */
async function settledCounts(): Promise<Counts> {
  let last = await hostCounts();
  for (let quiet = 0; quiet < 4;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await hostCounts();
    quiet = JSON.stringify(now) === JSON.stringify(last) ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

/** `{ suffix: growth }` of the counts named `<prefix>.<suffix>` that grew from `before` to `after`. */
function grown(before: Counts, after: Counts, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    if (!name.startsWith(prefix + '.') || n === (before[name] ?? 0)) continue;
    out[name.slice(prefix.length + 1)] = n - (before[name] ?? 0);
  }
  return out;
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe('the work of one rent + return', () => {
  it('is the executions and document writes pinned here, and nothing more', async () => {
    const memberId = await lib.addMember(1000);
    const book = await lib.addBook({ price: 300, copies: 2 });
    const before = await settledCounts();

    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    expect((await lib.returnBook(rented.body.id, memberToken(memberId))).status).toBe(200);
    const after = await settledCounts();

    // Everything the cycle sets off has run: its two notices are in the inbox, mypage shows it returned.
    expect((await inbox(lib, memberId)).map((n) => n.kind).sort()).toEqual([
      'rental-approved',
      'rental-returned',
    ]);
    await eventually(async () => {
      const page = await lib.api<{ history: { rentalId: string; status: string }[] }>(
        'GET',
        `/api/members/${memberId}/mypage`,
        { token: memberToken(memberId) },
      );
      return page.body.history.some((h) => h.rentalId === rented.body.id && h.status === 'RETURNED')
        ? true
        : undefined;
    });

    const executions = grown(before, after, 'executions');
    const writes = grown(before, after, 'documents.write');
    // The hub's consumer takes whatever events have arrived, per partition: the four events
    // (requested, debited, approved, returned; the charge's two on two partition keys) may come to it
    // together, so it runs at most four times.
    const { 'notices-compose': composed, ...pinned } = executions;
    expect(composed).toBeGreaterThanOrEqual(1);
    expect(composed).toBeLessThanOrEqual(4);
    expect({ executions: pinned, writes }).toEqual({
      executions: {
        'rentals-create': 1, // POST /rentals
        'rental-saga': 3, // orchestrator turns: the start, then one after each of the two activities
        'rental-saga-reserve-copy': 1, // the eligibility check and the copy taken, one activity
        'rental-saga-charge-and-approve': 1, // the points taken and the approval, one batch
        'rentals-return': 1, // POST /rentals/{id}/return
        // members change feed: the three commits (request, charge and approval, return), each
        // carrying its events; the relay's progress is its lease, so nothing is marked sent
        'outbox-relay-members': 3,
        'views-project': 3, // the same three commits
        'outbox-relay-books': 2, // books change feed: the copy taken, the copy back (no event in either)
        'views-project-holds': 2, // the same two changes (no hold in either)
        'notices-send': 2, // the approval's notice and the return's
      },
      writes: {
        // the rental and its `requested` item; the charge's ledger entry (carrying the debited and
        // approved events), member and rental; the return's rental (carrying its event) and member
        members: 7,
        books: 2, // the copy taken, the copy back
        // the member's view, which holds the rentals its mypage shows: the request, the charge and
        // approval (the member and the rental, one batch), the return
        views: 3,
        notices: 2, // the two notices in the inbox
      },
    });
    expect(total(pinned)).toBe(19);
    expect(total(writes)).toBe(14);
  });
});
