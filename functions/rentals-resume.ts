// Timer, every minute: starts the borrow saga for rentals recorded over a minute ago that are still
// REQUESTED with no saga. POST /api/rentals records the rental, then starts its saga; a process that
// stops between the two leaves a rental no saga will settle, and this settles it (a retried keyed
// request would too, an unkeyed one never). A rental that has a saga is left to it.
import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { rentalsRequestedBefore } from '../shared/app/rentals';
import { appDeps } from './lib/composition';
import { startRentalSaga } from './lib/rental-saga-client';

// Far longer than a rent takes from record to saga start.
const GRACE_MS = 60_000;
const PAGE = 100;

async function rentalsResume(
  _timer: Timer,
  client: DurableClient,
  _context: InvocationContext,
): Promise<void> {
  const deps = appDeps();
  const before = new Date(deps.clock.now() - GRACE_MS).toISOString();
  let continuation: string | undefined;
  do {
    const page = await rentalsRequestedBefore(deps, before, { limit: PAGE, continuation });
    for (const rental of page.items) await startRentalSaga(client, rental, true);
    continuation = page.continuation;
  } while (continuation);
}

df.app.client.timer('rentals-resume', { schedule: '0 * * * * *', handler: rentalsResume });
