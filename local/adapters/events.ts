// The app's event-publisher port over the local host's event log (the Event Hubs stand-in).
import type { EventPublisher } from '../../shared/app/ports';
import type { EventLog } from '../events/types';
import { getService } from '../host/services';

export const embeddedEventPublisher: EventPublisher = {
  async publish(hub, partitionKey, events) {
    if (events.length === 0) return;
    getService<EventLog>('eventHubs').append(
      hub,
      events.map((body) => ({ body, partitionKey, messageId: messageIdOf(body), properties: {} })),
    );
  },
};

// A CloudEvent's id becomes the message id.
function messageIdOf(body: object): string | undefined {
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
