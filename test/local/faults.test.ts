// LOCAL_FAULTS: the stand-ins fail as Azure's services do, seeded, and the local adapters meet the
// failures as the SDKs do (a throttled store call waited out and tried again; a busy or unreachable
// Event Hubs or Service Bus retried with backoff, then the SDK's error). The injected errors have
// the shapes of the SDKs' own, which the app and the retry policies go by.
import { MessagingError } from '@azure/event-hubs';
import { ServiceBusError } from '@azure/service-bus';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { embeddedContainerSource } from '../../local/adapters/documents';
import { embeddedEventPublisher } from '../../local/adapters/events';
import { embeddedMessageSender } from '../../local/adapters/messages';
import { createDocumentStore } from '../../local/documents/store';
import { DocumentStoreError } from '../../local/documents/types';
import { createEventLog } from '../../local/events/event-log';
import type { EventLog } from '../../local/events/types';
import { eventHubsFault, serviceBusFault } from '../../local/faults/errors';
import { addOutage, endOutages, faultCounts, faultPlan, writeFaultSettings } from '../../local/faults/plan';
import { parseFaultSettings } from '../../local/faults/settings';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { publishService, withdrawService } from '../../local/host/services';
import { createQueueStore } from '../../local/queues/queue-store';
import type { QueueStore } from '../../local/queues/types';
import { isBusyDocumentError } from '../../shared/app/ports';
import { isRetryableMessagingError } from '../../shared/messaging-retry';
import { startHost } from '../helpers/hosts';

let db: Database;
let clock: HostClock;
let log: EventLog;
let queues: QueueStore;
let services: Record<string, unknown>;

beforeEach(() => {
  db = openDatabase(':memory:');
  clock = new HostClock(true);
  services = {
    documents: createDocumentStore(db, clock),
    eventHubs: (log = createEventLog(db, clock)),
    serviceBus: (queues = createQueueStore(db, clock, {})),
  };
  for (const [name, service] of Object.entries(services)) publishService(name, service);
});
afterEach(() => {
  for (const [name, service] of Object.entries(services)) withdrawService(name, service);
  log.close();
  queues.close();
  clock.dispose();
  db.close();
});

const plan = (setting: object) =>
  writeFaultSettings(db, parseFaultSettings(JSON.stringify(setting), Date.now()));
const container = () =>
  embeddedContainerSource.open('rentbook', { id: 'members', partitionKeyPath: '/memberId' });
const injected = (service: string) =>
  faultCounts(db)
    .filter((c) => c.service === service)
    .reduce((n, c) => n + c.count, 0);

describe('LOCAL_FAULTS', () => {
  it('is checked once, naming the field that is wrong', () => {
    expect(() => parseFaultSettings('{', 0)).toThrow('LOCAL_FAULTS must be JSON');
    expect(() => parseFaultSettings('{"documents": 2}', 0)).toThrow('LOCAL_FAULTS: documents');
    expect(() => parseFaultSettings('{"eventHubs": {"send": 0.1}}', 0)).toThrow('LOCAL_FAULTS: eventHubs');
    expect(() => parseFaultSettings('{"outages": [{"service": "eventHubs", "for": "10s"}]}', 0)).toThrow(
      'LOCAL_FAULTS: outages.0.for: must be an ISO 8601 duration',
    );
    const settings = parseFaultSettings(
      JSON.stringify({
        seed: 7,
        documents: { write: 0.01, errors: { '503': 1 }, latencyMs: [1, 3] },
        eventHubs: 0.05,
        outages: [{ service: 'serviceBus', after: 'PT20S', for: 'PT10S' }],
      }),
      1_000,
    );
    expect(settings).toMatchObject({
      seed: 7,
      rates: { documents: { write: 0.01 }, eventHubs: { publish: 0.05, receive: 0.05 } },
      latencyMs: { documents: [1, 3] },
      documentErrors: { '429': 0, '503': 1, '408': 0 },
      outages: [{ service: 'serviceBus', fromMs: 21_000, untilMs: 31_000 }],
    });
  });

  it('rolls the same dice for the same seed', () => {
    const rolls = () => {
      const fresh = openDatabase(':memory:');
      writeFaultSettings(fresh, parseFaultSettings('{"seed": 11, "documents": {"read": 0.3}}', Date.now()));
      const faults = faultPlan(fresh);
      const out = Array.from({ length: 200 }, () => (faults.roll('documents', 'read') ? 1 : 0));
      fresh.close();
      return out.join('');
    };
    const first = rolls();
    expect(first).toContain('1');
    expect(first).toContain('0');
    expect(rolls()).toBe(first);
  });

  it('gives the errors the Event Hubs and Service Bus SDKs give, retryable as theirs are', () => {
    const sdkBusy = Object.assign(new MessagingError('busy'), { code: 'ServerBusyError' });
    const ours = eventHubsFault('ServerBusyError', 'busy');
    expect({
      name: ours.name,
      code: (ours as MessagingError).code,
      retryable: (ours as MessagingError).retryable,
    }).toEqual({ name: sdkBusy.name, code: sdkBusy.code, retryable: sdkBusy.retryable });
    for (const code of ['ServiceBusy', 'ServiceTimeout'] as const) {
      const sdk = new ServiceBusError('busy', code);
      const local = serviceBusFault(code, 'busy') as ServiceBusError;
      expect({ name: local.name, code: local.code, retryable: local.retryable }).toEqual({
        name: sdk.name,
        code: sdk.code,
        retryable: sdk.retryable,
      });
      expect(isRetryableMessagingError(sdk) && isRetryableMessagingError(local)).toBe(true);
    }
  });
});

describe('document store faults', () => {
  it('fail a store call with 503 or 408 as the port’s busy error, writing nothing', async () => {
    plan({ documents: { write: 1, errors: { '503': 1 } } });
    const members = container();
    const failure = await members.create({ id: 'm1', memberId: 'm1' }).catch((err: unknown) => err);
    expect(isBusyDocumentError(failure)).toBe(true);
    expect(failure).toMatchObject({ name: 'DocumentError', status: 503 });
    plan({});
    expect(await members.read('m1', 'm1')).toBeUndefined();
  });

  it('throttle with 429 and a retry-after, which the adapter waits out and tries again, as the SDK does', async () => {
    plan({ seed: 5, documents: { read: 0.5, errors: { '429': 1 } } });
    const members = container();
    await members.create({ id: 'm1', memberId: 'm1' });
    for (let i = 0; i < 20; i++) expect(await members.read('m1', 'm1')).toMatchObject({ id: 'm1' });
    expect(injected('documents')).toBeGreaterThan(0);
  });

  it('time a write out after it applied, now and then, as Cosmos DB gives no promise either way on a 408', async () => {
    plan({ seed: 2, documents: { write: 1, errors: { '408': 1 } } });
    const members = container();
    let applied = 0;
    for (let i = 0; i < 20; i++) {
      await expect(members.create({ id: `m${i}`, memberId: 'p' })).rejects.toMatchObject({ status: 408 });
    }
    plan({});
    for (let i = 0; i < 20; i++) if (await members.read('p', `m${i}`)) applied++;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(20);
  });
});

describe('messaging faults', () => {
  const event = { id: 'e1', type: 'test' };

  it('fail an Event Hubs publish now and then; the adapter retries, and the event is stored once', async () => {
    plan({ seed: 9, eventHubs: { publish: 0.3 } });
    for (let i = 0; i < 5; i++) await embeddedEventPublisher.publish('hub', 'k', [{ ...event, id: `e${i}` }]);
    const stored = db.prepare(`SELECT message_id FROM eh_events WHERE hub = 'hub' ORDER BY 1`).pluck().all();
    expect(injected('eventHubs')).toBeGreaterThan(0);
    expect(stored).toEqual(Array.from({ length: 5 }, (_, i) => `e${i}`));
  }, 30_000);

  it('refuse every publish and send while the service is out, after the SDK’s retries, and take them again after', async () => {
    addOutage(db, { service: 'eventHubs', fromMs: Date.now(), untilMs: Date.now() + 60_000 });
    addOutage(db, { service: 'serviceBus', fromMs: Date.now(), untilMs: Date.now() + 60_000 });
    // The adapters wait between tries as the SDKs do (MESSAGING_RETRY): those waits run on a fake
    // setTimeout, which records them, instead of 5.5 s of real time for each call.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const waits = vi.spyOn(globalThis, 'setTimeout');
    // Runs the waits one by one until the call gives up.
    const outOfRetries = async <T>(call: Promise<T>) => {
      let done = false;
      const settled = call.catch((err: unknown) => err).finally(() => (done = true));
      for (let i = 0; i < 10 && !done; i++) await vi.advanceTimersToNextTimerAsync();
      return settled;
    };
    let delays: number[];
    try {
      const published = await outOfRetries(embeddedEventPublisher.publish('hub', 'k', [event]));
      expect(published).toMatchObject({ name: 'MessagingError', retryable: true });
      const sent = await outOfRetries(
        embeddedMessageSender.send('notifications', [{ messageId: 'n1', body: {} }]),
      );
      expect(sent).toMatchObject({ name: 'ServiceBusError', retryable: true });
    } finally {
      delays = waits.mock.calls.map((call) => call[1] ?? 0);
      waits.mockRestore();
      vi.useRealTimers();
    }
    // Each call: the first try and three retries, about 0.5, 1.5 and 3.5 s apart (±20%).
    expect(injected('eventHubs')).toBe(4);
    expect(injected('serviceBus')).toBe(4);
    expect(delays).toHaveLength(6);
    delays.forEach((ms, i) => {
      const nominal = [500, 1500, 3500][i % 3];
      expect(ms).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(ms).toBeLessThanOrEqual(nominal * 1.2);
    });
    expect(() => queues.receive('notifications', 10)).toThrow('unreachable');

    endOutages(db);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await embeddedEventPublisher.publish('hub', 'k', [event]);
    await embeddedMessageSender.send('notifications', [{ messageId: 'n1', body: {} }]);
    expect(queues.receive('notifications', 10).map((m) => m.messageId)).toEqual(['n1']);
  }, 30_000);

  it('absorb an outage shorter than the SDK’s retries', async () => {
    addOutage(db, { service: 'serviceBus', fromMs: Date.now(), untilMs: Date.now() + 1_000 });
    await embeddedMessageSender.send('notifications', [{ messageId: 'n2', body: {} }]);
    expect(queues.receive('notifications', 10).map((m) => m.messageId)).toEqual(['n2']);
    expect(injected('serviceBus')).toBeGreaterThan(0);
  }, 30_000);
});

// The store's own errors keep their class: the adapter turns them into the port's.
it('a store fault is the store’s error class inside the host', () => {
  plan({ documents: { read: 1, errors: { '503': 1 } } });
  const store = createDocumentStore(db, clock);
  const members = store.createContainerIfNotExists('rentbook', { id: 'x', partitionKeyPath: '/id' });
  expect(() => members.read('a', 'a')).toThrow(DocumentStoreError);
});

describe('the fault plan at run time (--dev)', () => {
  it('sets and ends outages through /admin/faults, and refuses what is not a plan', async () => {
    const host = await startHost();
    try {
      const post = (body: unknown) =>
        fetch(`${host.url}/admin/faults/outages`, { method: 'POST', body: JSON.stringify(body) });
      const set = await post({ service: 'eventHubs', for: 'PT10S' });
      expect(set.status).toBe(201);
      expect(await set.json()).toMatchObject({ outages: [{ service: 'eventHubs' }] });
      // Every stand-in reads the plan again within 100 ms.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(faultPlan(host.db).isOut('eventHubs')).toBe(true);
      expect((await post({ service: 'cosmos', for: 'PT10S' })).status).toBe(400);
      expect((await post({ service: 'eventHubs', for: 'PT0S' })).status).toBe(400);
      const ended = await fetch(`${host.url}/admin/faults/outages`, { method: 'DELETE' });
      expect(await ended.json()).toMatchObject({ outages: [] });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(faultPlan(host.db).isOut('eventHubs')).toBe(false);
    } finally {
      await host.stop();
    }
  });

  it('is not served without --dev', async () => {
    const host = await startHost({ dev: false });
    try {
      expect((await fetch(`${host.url}/admin/faults`)).status).toBe(404);
      const keyed = await fetch(`${host.url}/admin/faults?code=${encodeURIComponent(host.keys.master)}`);
      expect(keyed.status).toBe(404);
    } finally {
      await host.stop();
    }
  });
});
