// The app's event-publisher port over the local host's event log (the Event Hubs stand-in). The
// log is resolved on each call, as the document containers are, so a restarted host is picked up.
import type { EventPublisher } from '../../shared/app/ports';
import type { EventLog } from '../events/types';
import { getService } from '../host/services';

export const embeddedEventPublisher: EventPublisher = {
  async publish(hub, partitionKey, events) {
    getService<EventLog>('eventHubs').append(
      hub,
      events.map((body) => ({ body, partitionKey, messageId: messageIdOf(body) })),
    );
  },
};

// CloudEvents carry an id; it becomes the message id, as the Azure adapter sets it.
function messageIdOf(body: object): string | undefined {
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
