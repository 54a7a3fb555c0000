// host.json serves Azure (the extension bundle, the Durable Task Scheduler, Event Hubs, Service Bus
// and Cosmos DB settings) and the local host alike, which plays what it can and ignores the rest.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startHost } from './helpers/hosts';
import { readEventHubsConfig } from '../local/events/extension';
import { readServiceBusConfig } from '../local/queues/extension';
import type { HostJson } from '../local/host/types';

const repoRoot = path.resolve(__dirname, '..');
const hostJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'host.json'), 'utf8')) as HostJson & {
  extensionBundle: { id: string; version: string };
  extensions: Record<string, Record<string, unknown>>;
};

it('configures Azure: extension bundle 4.x, Durable on the Durable Task Scheduler, the task hub from TASKHUB_NAME', () => {
  expect(hostJson.extensionBundle).toEqual({
    id: 'Microsoft.Azure.Functions.ExtensionBundle',
    version: '[4.*, 5.0.0)',
  });
  expect(hostJson.extensions.durableTask).toMatchObject({
    hubName: '%TASKHUB_NAME%',
    storageProvider: {
      type: 'azureManaged',
      connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    },
  });
  expect(hostJson.extensions.eventHubs).toMatchObject({
    maxEventBatchSize: 100,
    batchCheckpointFrequency: 1,
  });
});

it('is read by the local host’s extensions as they read it', () => {
  const settings = {};
  expect(readEventHubsConfig({ hostJson, settings }).hostJson).toMatchObject({
    maxEventBatchSize: 100,
    batchCheckpointFrequency: 1,
    initialOffsetOptions: { type: 'fromStart' },
  });
  expect(readServiceBusConfig({ hostJson, settings })).toMatchObject({ maxConcurrentCalls: 16 });
});

it('the local host serves the app with it and with every value of local.settings.example.json', async () => {
  const example = JSON.parse(fs.readFileSync(path.join(repoRoot, 'local.settings.example.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const saved = { ...process.env };
  Object.assign(process.env, example.Values, { LOCAL_AUTH_SECRET: 'host-json-test-secret-0123456789' });
  try {
    const host = await startHost({ appDir: repoRoot });
    try {
      expect(host.functions.find((f) => f.name === 'rental-saga')?.detail).toBe('task hub default');
      const res = await fetch(`${host.url}/api/health`);
      expect(res.status).toBe(200);
    } finally {
      await host.stop();
    }
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
});
