// Use cases on the real document store (SQLite in memory) with the host's controllable clock,
// published as the local host would publish them, without starting a host.
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { publishService } from '../../local/host/services';
import { createDocumentStore } from '../../local/documents/store';
import { embeddedClock } from '../../local/adapters/clock';
import { embeddedContainers } from '../../local/adapters/documents';
import type { AppDeps } from '../../shared/app/ports';
import { containerDefinitions, DATABASE_ID } from '../../shared/app/records';

export function storeDeps(startAt = Date.parse('2026-03-01T00:00:00.000Z')): {
  deps: AppDeps;
  clock: HostClock;
} {
  const db = openDatabase(':memory:');
  // Starts at `startAt` (in the past: the clock itself only moves forward from there).
  const clock = new HostClock(true, startAt - Date.now());
  publishService('db', db);
  publishService('clock', clock);
  publishService('documents', createDocumentStore(db, clock));
  return {
    clock,
    deps: {
      containers: embeddedContainers(DATABASE_ID, containerDefinitions),
      clock: embeddedClock,
      policy: {
        loanDays: 7,
        feeTimeZone: 'Asia/Seoul',
        maxLoans: 5,
        feeBlockThreshold: 2000,
        maxRenewals: 2,
        overdueReminderDays: 3,
      },
    },
  };
}
