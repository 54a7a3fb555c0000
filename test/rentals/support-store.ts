// Use cases on the real document store (SQLite in memory) with the host's controllable clock,
// published as the local host would publish them, without starting a host.
import { embeddedAppDeps } from '../../local/adapters';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { publishService } from '../../local/host/services';
import { createDocumentStore } from '../../local/documents/store';
import type { AppDeps } from '../../shared/app/ports';

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
    deps: embeddedAppDeps(),
  };
}
