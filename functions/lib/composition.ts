// The composition root: where the app picks its adapters (docs/decisions/0002-composition-root.md).
// Under the local host the embedded adapters serve the ports; in Azure, the Cosmos adapter will.
import type { AppDeps, EventPublisher } from '../../shared/app/ports';
import { containerDefinitions, DATABASE_ID } from '../../shared/app/records';
import { loadConfig, type AppConfig } from '../../shared/config';
import { embeddedClock } from '../../local/adapters/clock';
import { embeddedContainers } from '../../local/adapters/documents';
import { embeddedEventPublisher } from '../../local/adapters/events';
import { hasService } from '../../local/host/services';

// Read once, when the app loads: a wrong setting stops the app at start-up.
const config = loadConfig(process.env);

if (!hasService('documents') && config.cosmosEndpoint !== undefined) {
  throw new Error(
    'CosmosDBConnection__accountEndpoint is set, but this build has no Azure Cosmos DB adapter yet: ' +
      'run the app under the local host (npm start) until the Cosmos adapter lands.',
  );
}

let deps: AppDeps | undefined;

export function appConfig(): AppConfig {
  return config;
}

/** The ports the use cases run on. */
export function appDeps(): AppDeps {
  if (deps) return deps;
  if (!hasService('documents')) {
    throw new Error('No document store: run the app under the local host, or configure Azure Cosmos DB.');
  }
  deps = {
    containers: embeddedContainers(DATABASE_ID, containerDefinitions),
    clock: embeddedClock,
    policy: { loanDays: config.loanDays, feeTimeZone: config.feeTimeZone },
  };
  return deps;
}

/** Where domain events are published (the outbox relay's port). */
export function appEventPublisher(): EventPublisher {
  if (!hasService('eventHubs')) {
    throw new Error('No event hub: run the app under the local host, or configure Azure Event Hubs.');
  }
  return embeddedEventPublisher;
}
