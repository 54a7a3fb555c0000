// The services the local host stands in for, one extension each (as binding extensions are to the
// Functions host). Each serves the trigger, input and output binding types it names.
import { createCosmosExtension } from '../documents/extension';
import { createDurableExtension } from '../durable/extension';
import { createEventHubsExtension } from '../events/extension';
import { createServiceBusExtension } from '../queues/extension';
import { createTimerExtension } from './timers';
import type { ExtensionFactory } from './types';

export const defaultExtensions: ExtensionFactory[] = [
  createTimerExtension,
  createEventHubsExtension,
  createServiceBusExtension,
  createDurableExtension,
  createCosmosExtension,
];
