// Timer (HOLDS_EXPIRY_SCHEDULE, hourly by default; now: POST /admin/functions/holds-expiry): READY
// holds not collected in time are EXPIRED and their copies go to the next in line or on the shelf.
// Only the books with a hold due are read (shared/app/holds.ts).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { expireHolds } from '../shared/app/holds';
import { appDeps } from './lib/composition';
import { appConfig } from './lib/settings';

async function holdsExpiry(_timer: Timer, context: InvocationContext): Promise<void> {
  const expired = await expireHolds(appDeps());
  if (expired > 0) context.log(`Expired ${expired} holds`);
}

app.timer('holds-expiry', { schedule: appConfig().holdsExpirySchedule, handler: holdsExpiry });
