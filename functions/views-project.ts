// Cosmos DB change feed of `members` → `views`: keeps each member's mypage and the rental board
// (shared/app/views.ts). Retried a few times; past that the changes are dead-lettered, so renting
// never waits on a view and a failing projector loses nothing (replay: dead-letters-replay).
import { app } from '@azure/functions';
import { DATABASE_ID } from '../shared/app/records';
import { COSMOS_CONNECTION, PROJECTOR_RETRY } from './lib/change-feed';
import { projectorHandler, VIEWS_PROJECTOR } from './lib/consumers';

app.cosmosDB(VIEWS_PROJECTOR, {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'members',
  leaseContainerPrefix: 'views-',
  startFromBeginning: true,
  retry: PROJECTOR_RETRY,
  handler: projectorHandler(VIEWS_PROJECTOR),
});
