// Durable Functions for the local host: orchestrationTrigger and activityTrigger functions run on
// the durable engine (the real `durable-functions` replay, history in the host's SQLite file), and a
// durableClient input gets the binding data that makes `df.getClient(context)` talk to this host.
// Durable entities (entityTrigger) are not implemented.
import { DURABLE_SYSTEM_KEY } from '../host/keys';
import type { ExtensionFactory, HostContext } from '../host/types';
import { DurableEngine } from './engine';
import { addDurableRoutes, clientBindingData, WEBHOOK_ROUTE } from './http-api';
import { serveInProcess } from './in-process-client';

const DEFAULT_HUB = 'TestHubName';
const DEFAULT_MAX_CONCURRENT = 64;

// Which WEBSITE_HOSTNAME this module set, so a later host in the same process can set its own.
let hostnameWeSet: string | undefined;

export const createDurableExtension: ExtensionFactory = (host: HostContext) => {
  const config = host.hostJson.extensions?.durableTask ?? {};
  const hub = resolveSetting(config.hubName, host.settings) ?? DEFAULT_HUB;
  const limit = (key: string): number => {
    const v = config[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_MAX_CONCURRENT;
  };
  const systemKey = host.keys.system[DURABLE_SYSTEM_KEY];
  const orchestrators: string[] = [];
  const activities: string[] = [];
  let engine: DurableEngine | undefined;
  let stopServingInProcess: (() => void) | undefined;

  return {
    name: 'durable',
    triggerTypes: ['orchestrationTrigger', 'activityTrigger'],
    inputTypes: ['durableClient', 'orchestrationClient'],

    addFunction(fn) {
      const type = fn.trigger.binding.type.toLowerCase();
      (type === 'orchestrationtrigger' ? orchestrators : activities).push(fn.name);
    },

    describe: () => `task hub ${hub}`,

    input() {
      const baseUrl = host.baseUrl();
      // `df.getClient` rewrites management URLs to localhost:7071 unless WEBSITE_HOSTNAME is set, as
      // App Service always sets it; set it to this host when nobody else did.
      const here = new URL(baseUrl).host;
      if (process.env.WEBSITE_HOSTNAME === undefined || process.env.WEBSITE_HOSTNAME === hostnameWeSet) {
        process.env.WEBSITE_HOSTNAME = hostnameWeSet = here;
      }
      return clientBindingData(baseUrl, hub, systemKey);
    },

    start() {
      // The task hub runs on the main thread; a consumer thread's clients reach it over HTTP.
      if (!host.mainThread) return;
      engine = new DurableEngine({
        db: host.db,
        clock: host.clock,
        worker: host.worker,
        log: host.log,
        hub,
        maxConcurrentActivities: limit('maxConcurrentActivityFunctions'),
        maxConcurrentOrchestrations: limit('maxConcurrentOrchestratorFunctions'),
      });
      orchestrators.forEach((n) => engine!.registerOrchestrator(n));
      activities.forEach((n) => engine!.registerActivity(n));
      const dispatch = addDurableRoutes(host.routes, engine, {
        hub,
        systemKey,
        baseUrl: () => host.baseUrl(),
      });
      // LOCAL_DURABLE_CLIENT_TRANSPORT=http keeps the client on real sockets (the default answers
      // this host's durable API in-process: same handlers, no round trip).
      const transport = host.settings.LOCAL_DURABLE_CLIENT_TRANSPORT ?? 'in-process';
      if (transport !== 'http' && transport !== 'in-process') {
        throw new Error(`LOCAL_DURABLE_CLIENT_TRANSPORT must be "in-process" or "http", not "${transport}".`);
      }
      if (transport === 'in-process') {
        // The same key check as over HTTP: in-process is a transport, not a way around the key.
        stopServingInProcess = serveInProcess(
          host.appDir,
          new URL(host.baseUrl()).origin,
          async (req) => host.authorize(WEBHOOK_ROUTE, req) ?? dispatch(req),
        );
      }
      engine.start();
    },

    async stop() {
      stopServingInProcess?.();
      await engine?.stop();
      if (hostnameWeSet !== undefined && process.env.WEBSITE_HOSTNAME === hostnameWeSet) {
        delete process.env.WEBSITE_HOSTNAME;
        hostnameWeSet = undefined;
      }
    },
  };
};

/** host.json values may name an app setting as `%Name%`, as in the Functions host. */
function resolveSetting(
  value: unknown,
  settings: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = /^%(.+)%$/.exec(value);
  return m ? settings[m[1]] : value;
}
