// Every embedded adapter, as the local host injects them into the app (shared/injected-adapters.ts).
import type { PortAdapters } from '../../shared/injected-adapters';
import { embeddedClock } from './clock';
import { embeddedContainerSource } from './documents';
import { embeddedEventPublisher } from './events';
import { embeddedDeadLetterReceiver, embeddedMessageSender } from './messages';

export const embeddedAdapters: PortAdapters = {
  documents: embeddedContainerSource,
  clock: embeddedClock,
  events: embeddedEventPublisher,
  messages: embeddedMessageSender,
  deadLetters: embeddedDeadLetterReceiver,
};
