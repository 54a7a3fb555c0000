// Cosmos DB change feed of `members` → `views`: keeps each member's mypage and the rental board
// (shared/app/views.ts). Retried a few times; past that the changes are dead-lettered, so renting
// never waits on a view and a failing projector loses nothing (replay: dead-letters-replay).
import { app, type InvocationContext } from '@azure/functions';
import { consumeOrDeadLetter } from '../shared/app/dead-letters';
import { DATABASE_ID } from '../shared/app/records';
import { appDeps } from './lib/composition';
import { COSMOS_CONNECTION, isLastAttempt, PROJECTOR_RETRY } from './lib/change-feed';
import { projectViews, VIEWS_PROJECTOR } from './lib/consumers';
import { logProjection } from './lib/telemetry';

async function viewsProject(changes: unknown[], context: InvocationContext): Promise<void> {
  const deps = appDeps();
  const outcome = await consumeOrDeadLetter(
    deps,
    VIEWS_PROJECTOR,
    changes,
    isLastAttempt(context),
    projectViews,
  );
  logProjection(context, VIEWS_PROJECTOR, changes, outcome, deps.clock.now());
}

app.cosmosDB(VIEWS_PROJECTOR, {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'members',
  leaseContainerPrefix: 'views-',
  startFromBeginning: true,
  retry: PROJECTOR_RETRY,
  handler: viewsProject,
});
