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
  minimumInterval: { seconds: 1 },
  maximumInterval: { seconds: 60 },
};

/**
 * The notices composer waits out a Service Bus that is busy or down as the relay waits out the hub:
 * its events are tried again until the queue takes them (a dead letter would hold them back until a
 * librarian replays it, however short the outage). Events that are not valid are dead-lettered at
 * once (./consumers.ts), so they never hold up the ones behind them.
 */
export const COMPOSER_RETRY: RetryOptions = RELAY_RETRY;

/**
 * Projectors retry for some seconds (1 + 2 + 4), then dead-letter the changes (see
 * ./consumers.ts) and go on: a view must not hold up the ones behind it for long. (Intervals are
 * whole seconds: the Functions host rounds them.)
 */
export const PROJECTOR_RETRY: RetryOptions = {
  strategy: 'exponentialBackoff',
  maxRetryCount: 3,
  minimumInterval: { seconds: 1 },
  maximumInterval: { seconds: 10 },
};

/** True on the invocation after which the host gives up (no retry policy: the only one). */
export function isLastAttempt(context: InvocationContext): boolean {
  const retry = context.retryContext;
  if (!retry) return true;
  return retry.maxRetryCount !== -1 && retry.retryCount >= retry.maxRetryCount;
}
