// `npm run bench -- --overdue`: the overdue timer's scan over a big store. Loads `loans` rentals on
// loan straight into a fresh data file through the local document store (in bulk, not through HTTP),
// 1,000 of them past due and 10,000 more falling due two days later, the rest due weeks away. Then it
// runs the timer's use case (`scanOverdue`, what functions/overdue-scan.ts runs) on the app's ports
// over that store: once now (1,000 due), once two days and an hour on (10,000 due), once more right
// after (none due). Its time should follow the loans due, not the loans stored.
import { embeddedAppDeps } from '../local/adapters';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDocumentStore } from '../local/documents/store';
import { HostClock } from '../local/host/clock';
import { closeDatabase, commitNow, openDatabase } from '../local/host/db';
import { publishService, withdrawService } from '../local/host/services';
import { newId } from '../shared/app/ids';
import { scanOverdue, type OverdueScanResult } from '../shared/app/overdue';
import { containerDefinitions, DATABASE_ID, type RentalDoc } from '../shared/app/records';
import { firstDueCheck } from '../shared/domain/overdue';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOANS_PER_MEMBER = 10;
const CHUNK = 10_000;

export interface OverdueBenchRun extends OverdueScanResult {
  phase: 'overdue-scan';
  loansStored: number;
  due: number;
  scanMs: number;
}

export async function overdueBench(loans: number, print: (o: unknown) => void): Promise<OverdueBenchRun[]> {
  const FIRST_DUE = 1_000;
  const SECOND_DUE = 10_000;
  if (loans < FIRST_DUE + SECOND_DUE)
    throw new Error(`--overdue-loans must be at least ${FIRST_DUE + SECOND_DUE}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-overdue-'));
  const db = openDatabase(path.join(dir, 'overdue.db'), { groupCommit: true });
  const clock = new HostClock(true);
  const store = createDocumentStore(db, clock);
  publishService('clock', clock);
  publishService('documents', store);
  try {
    // A larger page cache for the load than the host's (its writes are small and hot).
    db.pragma('cache_size = -262144');
    // Loaded without its indexes, which are then built in one pass each (as a bulk load does).
    const members = store.createContainerIfNotExists(DATABASE_ID, {
      ...containerDefinitions.members,
      indexedPaths: [],
    });
    const t0 = clock.now();
    const loadStart = performance.now();
    // Due: 1,000 an hour ago; 10,000 in two days; the rest 4 to 60 days from now (first looked at
    // a day before, so never in these runs).
    const dueAt = (i: number): number =>
      i < FIRST_DUE
        ? t0 - HOUR
        : i < FIRST_DUE + SECOND_DUE
          ? t0 + 2 * DAY
          : t0 + 4 * DAY + (i % 56) * DAY + (i % 3600) * 1000;
    for (let from = 0; from < loans; from += CHUNK) {
      store.transaction(() => {
        for (let i = from; i < Math.min(loans, from + CHUNK); i++) {
          const due = new Date(dueAt(i)).toISOString();
          const approvedAt = new Date(dueAt(i) - 7 * DAY).toISOString();
          const doc: RentalDoc = {
            id: newId(clock),
            type: 'rental',
            // Ten loans a member, member by member: the rows go in key order, as a bulk load would.
            memberId: `bench-member-${String(Math.floor(i / LOANS_PER_MEMBER)).padStart(7, '0')}`,
            bookId: `bench-book-${i % 5000}`,
            bookTitle: `Bench book ${i % 5000}`,
            price: 100,
            status: 'APPROVED',
            requestedAt: approvedAt,
            approvedAt,
            dueAt: due,
            dueCheckAt: firstDueCheck(due),
            version: 2,
          };
          members.create(doc);
        }
      });
      commitNow(db);
    }
    store.createContainerIfNotExists(DATABASE_ID, containerDefinitions.members);
    commitNow(db);
    db.pragma('cache_size = -16000');
    print({
      phase: 'overdue-loaded',
      loans,
      seconds: Math.round((performance.now() - loadStart) / 100) / 10,
    });

    const deps = embeddedAppDeps();
    const runs: OverdueBenchRun[] = [];
    const scan = async (due: number): Promise<void> => {
      const start = performance.now();
      const result = await scanOverdue(deps);
      commitNow(db);
      const scanMs = Math.round((performance.now() - start) * 10) / 10;
      const run: OverdueBenchRun = { phase: 'overdue-scan', loansStored: loans, due, scanMs, ...result };
      if (result.markedOverdue !== due)
        throw new Error(`expected ${due} loans marked overdue: ${JSON.stringify(run)}`);
      runs.push(run);
      print(run);
    };
    await scan(FIRST_DUE);
    clock.set(t0 + 2 * DAY + HOUR);
    await scan(SECOND_DUE);
    await scan(0);
    return runs;
  } finally {
    withdrawService('documents', store);
    withdrawService('clock', clock);
    closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
