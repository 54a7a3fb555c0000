// How the messaging clients try again when Event Hubs or Service Bus is busy or unreachable: the
// same options for the Azure SDK clients (their `retryOptions`, shared/azure/) and for the local
// host's adapters, which play the SDKs' part (local/adapters/). Exponential, as `@azure/core-amqp`
// computes it: about 0.5 s, 1.5 s and 3.5 s before the three retries. The SDKs' defaults (30 s
// between three retries) would hold an outbox relay in one call for a minute and a half; the
// relay's own retry policy takes over sooner instead.
export const MESSAGING_RETRY = {
  maxRetries: 3,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 5_000,
} as const;

/** A transient messaging failure, as the SDKs mark one (`MessagingError`, `ServiceBusError`: `retryable`). */
export function isRetryableMessagingError(err: unknown): boolean {
  return err instanceof Error && (err as { retryable?: unknown }).retryable === true;
}
