// The AsyncAPI 3.0 description of the domain events on the Event Hub `rentbook-events`: one message
// per event type, its payload the JSON Schema of that type's zod schema (shared/app/events.ts, made
// by the same mechanism as the OpenAPI document's: ./api-schema.ts), so the document and what is
// published cannot drift apart (a test checks published events against it).
import { EVENT_TYPES, EVENTS_HUB, eventSchemas } from '../../shared/app/events';
import { schemaComponents } from './api-schema';

const messages = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    type,
    {
      name: type,
      title: type,
      summary: `CloudEvents 1.0 (structured JSON), type ${type}`,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${type}` },
    },
  ]),
);

const messageRefs = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, { $ref: `#/components/messages/${type}` }]),
);

let made: ReturnType<typeof make> | undefined;

/** The document, made at the first request for it, not when the app loads (a cold start skips it). */
export const asyncApiDocument = (): ReturnType<typeof make> => (made ??= make());

const make = () => ({
  asyncapi: '3.0.0',
  info: {
    title: 'rentbook domain events',
    version: '0.1.0',
    description:
      'Every state change of rentbook leaves as one CloudEvent on the Event Hub `rentbook-events`, published ' +
      'from a transactional outbox: none for a write that did not commit, none lost for one that did (at ' +
      'least once: deduplicate by `id`). The Event Hubs partition key is the aggregate id (the rental, member ' +
      'or book), so the events of one aggregate arrive in order.',
  },
  defaultContentType: 'application/json',
  servers: {
    eventHubs: {
      host: '{namespace}.servicebus.windows.net',
      protocol: 'amqps',
      description: 'Azure Event Hubs (Microsoft Entra ID authentication)',
      variables: { namespace: { description: 'The Event Hubs namespace' } },
    },
  },
  channels: {
    rentbookEvents: {
      address: EVENTS_HUB,
      title: 'Domain events',
      description: 'Partition key: the aggregate id (`subject` without its collection).',
      messages: messageRefs,
    },
  },
  operations: {
    publishDomainEvents: {
      action: 'send',
      title: 'rentbook publishes its domain events',
      channel: { $ref: '#/channels/rentbookEvents' },
      messages: EVENT_TYPES.map((type) => ({ $ref: `#/channels/rentbookEvents/messages/${type}` })),
    },
  },
  components: { schemas: schemaComponents(eventSchemas), messages },
});
