// The app's event-publisher port over the local host's event log (the Event Hubs stand-in), with
// the SDK's retries when the log is busy or out (./messaging-retry.ts).
import type { EventPublisher } from '../../shared/app/ports';
import type { EventLog } from '../events/types';
import { getService } from '../host/services';
import { withMessagingRetry } from './messaging-retry';

export const embeddedEventPublisher: EventPublisher = {
  async publish(hub, partitionKey, events) {
    if (events.length === 0) return;
    const log = getService<EventLog>('eventHubs');
    const stored = events.map((body) => ({
      body,
      partitionKey,
      messageId: messageIdOf(body),
      properties: {},
    }));
    await withMessagingRetry(log.faults, 'eventHubs', () => log.append(hub, stored));
  },
};

// A CloudEvent's id becomes the message id.
function messageIdOf(body: object): string | undefined {
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
