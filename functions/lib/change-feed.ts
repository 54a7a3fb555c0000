// What the change-feed functions share: the connection, and their retry policies. Azure moves a
// change-feed lease on after the handler returns or throws, so the retry policy is what stands
// between a failure and a skipped change.
import type { InvocationContext, RetryOptions } from '@azure/functions';

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

/** True on the invocation after which the host gives up (no retry policy: the only one). */
export function isLastAttempt(context: InvocationContext): boolean {
  const retry = context.retryContext;
  if (!retry) return true;
  return retry.maxRetryCount !== -1 && retry.retryCount >= retry.maxRetryCount;
}
