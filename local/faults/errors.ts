// The errors an injected fault raises: the ones each Azure service's SDK gives the app, in shape
// (name, code, retryable, status), so the app's handling and the adapters' retry policies meet what
// they meet in Azure. The stand-ins do not load the SDKs for this: their classes are matched by
// shape everywhere (the app and the host may even load different copies), and a test holds these
// shapes against the SDKs' own classes (test/local/faults.test.ts).
import { DocumentStoreError } from '../documents/types';
import type { DocumentFault } from './settings';

/** How long a throttled store call is told to wait before trying again: Cosmos DB's `x-ms-retry-after-ms`. */
export const THROTTLE_RETRY_AFTER_MS = [5, 50] as const;

/** Cosmos DB: 429 throttled (with retry-after), 503 unavailable, 408 timed out; each as the store's error. */
export function documentFault(status: DocumentFault | 'outage', retryAfterMs: number): DocumentStoreError {
  switch (status) {
    case '429':
      return new DocumentStoreError(
        429,
        'Request rate is large. More Request Units may be needed, so no changes were made. (injected)',
        retryAfterMs,
      );
    case '408':
      return new DocumentStoreError(408, 'The request timed out. (injected)');
    case '503':
      return new DocumentStoreError(503, 'The service is currently unavailable. (injected)');
    case 'outage':
      return new DocumentStoreError(503, 'The service is currently unavailable (an injected outage).');
  }
}

/**
 * An Event Hubs client error as `@azure/event-hubs` (its `MessagingError`, from `@azure/core-amqp`)
 * reports a busy or unreachable service: `ServerBusyError` or `ServiceUnavailableError`, retryable.
 */
export function eventHubsFault(code: 'ServerBusyError' | 'ServiceUnavailableError', message: string): Error {
  return Object.assign(new Error(message), { name: 'MessagingError', code, retryable: true });
}

/**
 * A Service Bus client error as `@azure/service-bus` reports a busy or unreachable service: its
 * `ServiceBusError` with `code` `ServiceBusy` or `ServiceTimeout`, retryable.
 */
export function serviceBusFault(code: 'ServiceBusy' | 'ServiceTimeout', message: string): Error {
  return Object.assign(new Error(message), { name: 'ServiceBusError', code, retryable: true });
}
