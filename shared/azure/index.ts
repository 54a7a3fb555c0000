// The Azure adapters for the services whose settings are given (shared/config.ts): Cosmos DB for the
// documents port, Event Hubs for the event publisher, Service Bus for the message sender and the
// dead-letter receiver. Clients connect lazily, on first use.
import { CosmosClient, type CosmosClientOptions } from '@azure/cosmos';
import type { AzureConfig, AzureConnection } from '../config';
import type { PortAdapters } from '../injected-adapters';
import { cosmosContainerSource } from './cosmos';
import { credentialFor } from './credentials';
import { eventHubsPublisher } from './event-hubs';
import { serviceBusAdapters } from './service-bus';

export interface AzureAdapterOptions {
  /** Each Cosmos DB operation's request charge. */
  onCharge?: (operation: string, requestUnits: number) => void;
  /** The SDK's policy for throttled (429) Cosmos DB requests; its defaults when absent. */
  cosmosRetry?: { maxRetryAttemptCount?: number; maxWaitTimeInSeconds?: number };
  /**
   * How Cosmos DB requests travel: another HTTP client (the contract tests' stand-in for the service)
   * and how long a request may take; the SDK's own when absent.
   */
  cosmosTransport?: { httpClient?: CosmosClientOptions['httpClient']; requestTimeoutMs?: number };
}

export interface AzureAdapters {
  adapters: Partial<PortAdapters>;
  /** Closes the AMQP connections (Cosmos DB's HTTP client needs no closing). */
  close(): Promise<void>;
}

function connectionStringValue(connectionString: string, key: string): string | undefined {
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === key.toLowerCase())
      return part.slice(at + 1).trim();
  }
  return undefined;
}

export function cosmosClient(connection: AzureConnection, options: AzureAdapterOptions = {}): CosmosClient {
  const transport = options.cosmosTransport;
  const connectionPolicy = {
    // An emulator answers on the address it was given; discovery would send the SDK elsewhere.
    enableEndpointDiscovery: connection.kind === 'identity',
    ...(options.cosmosRetry ? { retryOptions: options.cosmosRetry } : {}),
    ...(transport?.requestTimeoutMs !== undefined ? { requestTimeout: transport.requestTimeoutMs } : {}),
  };
  const common = { connectionPolicy, ...(transport?.httpClient ? { httpClient: transport.httpClient } : {}) };
  if (connection.kind === 'identity')
    return new CosmosClient({
      endpoint: connection.endpoint,
      aadCredentials: credentialFor(connection),
      ...common,
    });
  return new CosmosClient({
    endpoint: connectionStringValue(connection.connectionString, 'AccountEndpoint') ?? '',
    key: connectionStringValue(connection.connectionString, 'AccountKey') ?? '',
    ...common,
  });
}

export function azureAdapters(config: AzureConfig, options: AzureAdapterOptions = {}): AzureAdapters {
  const adapters: Partial<PortAdapters> = {};
  const closers: (() => Promise<void>)[] = [];
  if (config.cosmos) {
    adapters.documents = cosmosContainerSource(cosmosClient(config.cosmos, options), {
      createIfNotExists: config.cosmos.kind === 'emulator',
      ...(options.onCharge ? { onCharge: options.onCharge } : {}),
    });
  }
  if (config.eventHubs) {
    const c = config.eventHubs;
    const publisher = eventHubsPublisher(
      c.kind === 'identity'
        ? { fullyQualifiedNamespace: c.endpoint, credential: credentialFor(c) }
        : { connectionString: c.connectionString },
    );
    adapters.events = publisher;
    closers.push(() => publisher.close());
  }
  if (config.serviceBus) {
    const c = config.serviceBus;
    const serviceBus = serviceBusAdapters(
      c.kind === 'identity'
        ? { fullyQualifiedNamespace: c.endpoint, credential: credentialFor(c) }
        : { connectionString: c.connectionString },
    );
    adapters.messages = serviceBus.sender;
    adapters.deadLetters = serviceBus.deadLetters;
    closers.push(() => serviceBus.close());
  }
  return { adapters, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
