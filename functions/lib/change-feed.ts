// What the change-feed functions share: the connection, and their retry policies. Azure moves a
// change-feed lease on after the handler returns or throws, so the retry policy is what stands
// between a failure and a skipped change.
import type { RetryOptions } from '@azure/functions';

/** App setting prefix of the Cosmos DB connection (`CosmosDBConnection__accountEndpoint`). */
export const COSMOS_CONNECTION = 'CosmosDBConnection';

/**
 * The outbox relay never skips: it retries until the hub takes the events, holding back the
 * changes behind them (their order matters more than their speed).
 */
export const RELAY_RETRY: RetryOptions = {
  strategy: 'exponentialBackoff',
  maxRetryCount: -1,
  minimumInterval: 500,
  maximumInterval: 60_000,
};

/** Projectors retry a few times, then dead-letter the changes (see ./consumers.ts). */
export const PROJECTOR_RETRY: RetryOptions = {
  strategy: 'exponentialBackoff',
  maxRetryCount: 4,
  minimumInterval: 200,
  maximumInterval: 5_000,
};
