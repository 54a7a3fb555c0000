// The composition root: where the app picks its adapters, once, when it loads
// (docs/decisions/0002-composition-root.md). A port whose Azure settings are given is served by its
// Azure adapter (shared/azure); otherwise by the adapter the local host injected
// (shared/injected-adapters.ts). Nothing here imports the local host: an Azure build has none of it.
import { app } from '@azure/functions';
import type {
  AppDeps,
  Clock,
  Containers,
  DeadLetterReceiver,
  EventPublisher,
  MessageSender,
  NoticeChannel,
} from '../../shared/app/ports';
import { RentAdmission } from '../../shared/app/admission';
import { containerDefinitions, DATABASE_ID } from '../../shared/app/records';
import { retryingReads } from '../../shared/app/transient';
import type { AzureAdapters } from '../../shared/azure';
import {
  describeTally,
  recordCharge,
  withChargeTally,
  type ChargeTally,
} from '../../shared/azure/request-charge';
import { webhookChannel } from '../../shared/webhook-channel';
import { injectedAdapter, type ContainerSource, type PortAdapters } from '../../shared/injected-adapters';
import { rentalPolicy } from '../../shared/config';
import { appConfig } from './settings';

const config = appConfig();
const azure = azureAdaptersIfConfigured();

/**
 * The Azure adapters, loaded only when a setting asks for one: the SDKs they bring (Cosmos DB's
 * alone is some 270 modules) are a second or more of every start on the local host, which needs
 * none of them.
 */
function azureAdaptersIfConfigured(): AzureAdapters {
  const { cosmos, eventHubs, serviceBus } = config.azure;
  if (!cosmos && !eventHubs && !serviceBus) return { adapters: {}, close: async () => undefined };
  // A require, not an import: an import is loaded whether or not it is used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { azureAdapters } = require('../../shared/azure') as typeof import('../../shared/azure');
  return azureAdapters(config.azure, { onCharge: recordCharge });
}

/** The setting that gives each port its Azure adapter. */
const azureSetting: Record<Exclude<keyof PortAdapters, 'clock'>, string> = {
  documents: 'CosmosDBConnection__accountEndpoint',
  events: 'EventHubConnection__fullyQualifiedNamespace',
  messages: 'ServiceBusConnection__fullyQualifiedNamespace',
  deadLetters: 'ServiceBusConnection__fullyQualifiedNamespace',
};

/** The adapter serving `name`: Azure's when configured, else the local host's; throws naming the setting. */
export function port<K extends Exclude<keyof PortAdapters, 'clock'>>(name: K): PortAdapters[K] {
  const adapter = (azure.adapters[name] as PortAdapters[K] | undefined) ?? injectedAdapter(name);
  if (adapter === undefined)
    throw new Error(
      `Nothing serves the app's ${name} port: set ${azureSetting[name]} (see local.settings.example.json), ` +
        'or run the app under the local host (npm start).',
    );
  return adapter;
}

// The store is what every function needs: without one the app must not load at all.
const documents: ContainerSource = port('documents');
const systemClock: Clock = { now: () => Date.now() };

if (config.azure.cosmos) {
  // Each invocation's Cosmos DB operations are logged with their charge, and the total at the end.
  app.hook.preInvocation((context) => {
    const handler = context.functionHandler;
    const log = (line: string) => context.invocationContext.debug(line);
    context.functionHandler = (...args: Parameters<typeof handler>) => {
      const { tally, result } = withChargeTally(log, () => handler(...args));
      context.hookData.chargeTally = tally;
      return result;
    };
  });
  app.hook.postInvocation((context) => {
    const tally = context.hookData.chargeTally as ChargeTally | undefined;
    if (tally && tally.operations > 0) context.invocationContext.log(describeTally(tally));
  });
}

// One per instance: the rents this instance has in flight, and whether the store throttles it.
const admission = new RentAdmission(config.maxRentalsInFlight);

/** Which new rents this instance lets in (shared/app/admission.ts). */
export function rentAdmission(): RentAdmission {
  return admission;
}

let deps: AppDeps | undefined;

/** The ports the use cases run on. */
export function appDeps(): AppDeps {
  if (deps) return deps;
  const opened: Containers = {
    members: documents.open(DATABASE_ID, containerDefinitions.members),
    books: documents.open(DATABASE_ID, containerDefinitions.books),
    views: documents.open(DATABASE_ID, containerDefinitions.views),
    deadLetters: documents.open(DATABASE_ID, containerDefinitions.deadLetters),
    notices: documents.open(DATABASE_ID, containerDefinitions.notices),
  };
  // Reads and queries tried again on a passing store fault (shared/app/transient.ts).
  const containers = retryingReads(opened);
  deps = {
    containers,
    clock: injectedAdapter('clock') ?? systemClock,
    policy: rentalPolicy(config),
  };
  return deps;
}

/** Where domain events are published (the outbox relay's port). */
export function appEventPublisher(): EventPublisher {
  return port('events');
}

/** Where messages go on Service Bus (the notices). */
export function appMessageSender(): MessageSender {
  return port('messages');
}

/** Service Bus dead letters, to list and replay. */
export function appDeadLetterReceiver(): DeadLetterReceiver {
  return port('deadLetters');
}

const channels: NoticeChannel[] = config.noticeWebhookUrl ? [webhookChannel(config.noticeWebhookUrl)] : [];

/** The channels a notice goes out through besides the member's inbox: the webhook, when one is set. */
export function appNoticeChannels(): readonly NoticeChannel[] {
  return channels;
}
