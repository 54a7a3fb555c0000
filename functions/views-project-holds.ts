// Cosmos DB change feed of `books` → `views`: keeps the holds on each member's mypage from the
// books' hold queues (shared/app/views.ts). Retried a few times; past that the changes are
// dead-lettered (replay: dead-letters-replay), as for the other projector.
import { app } from '@azure/functions';
import { DATABASE_ID } from '../shared/app/records';
import { COSMOS_CONNECTION, PROJECTOR_RETRY } from './lib/change-feed';
import { HOLD_VIEWS_PROJECTOR, projectorHandler } from './lib/consumers';

app.cosmosDB(HOLD_VIEWS_PROJECTOR, {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'books',
  leaseContainerPrefix: 'holds-',
  startFromBeginning: true,
  retry: PROJECTOR_RETRY,
  handler: projectorHandler(HOLD_VIEWS_PROJECTOR),
});
