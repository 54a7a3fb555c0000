// Every embedded adapter, as the local host injects them into the app (shared/injected-adapters.ts).
import type { AppDeps, RentalPolicy } from '../../shared/app/ports';
import { containerDefinitions, DATABASE_ID } from '../../shared/app/records';
import { loadConfig, rentalPolicy } from '../../shared/config';
import type { PortAdapters } from '../../shared/injected-adapters';
import { embeddedClock } from './clock';
import { embeddedContainers, embeddedContainerSource } from './documents';
import { embeddedEventPublisher } from './events';
import { embeddedDeadLetterReceiver, embeddedMessageSender } from './messages';

export const embeddedAdapters: PortAdapters = {
  documents: embeddedContainerSource,
  clock: embeddedClock,
  events: embeddedEventPublisher,
  messages: embeddedMessageSender,
  deadLetters: embeddedDeadLetterReceiver,
};

/**
 * The app's ports over the running host's services, for calling a use case directly (tests, the
 * benchmark): the containers the app uses, the host's clock, and a policy (the default settings').
 */
export function embeddedAppDeps(policy: RentalPolicy = rentalPolicy(loadConfig({}))): AppDeps {
  return { containers: embeddedContainers(DATABASE_ID, containerDefinitions), clock: embeddedClock, policy };
}
