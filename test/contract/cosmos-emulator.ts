// @vercel/cosmosdb-server (a Cosmos DB NoSQL emulator on npm) on a free port of 127.0.0.1, over
// HTTP: its bundled TLS certificate is for another host name and expired, and the adapter keeps TLS
// verification on. It takes any key; tests give it the Cosmos emulator's published well-known key.
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { createHttpServer } from '@vercel/cosmosdb-server';

/** The Azure Cosmos DB emulator's published development key (not a secret). */
export const EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface RunningServer {
  endpoint: string;
  connectionString: string;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`),
    );
  });
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function startCosmosEmulator(): Promise<RunningServer> {
  const server = createHttpServer();
  const endpoint = await listen(server);
  return {
    endpoint,
    connectionString: `AccountEndpoint=${endpoint};AccountKey=${EMULATOR_KEY};`,
    close: closer(server),
  };
}

/**
 * A proxy in front of the emulator that answers 429 (with a short retry-after) to the next
 * `throttle` document writes, as Cosmos DB does when a partition runs out of RU.
 */
export async function startThrottlingProxy(
  target: string,
): Promise<RunningServer & { throttle: number; writesSeen: number }> {
  const upstream = new URL(target);
  const state = { throttle: 0, writesSeen: 0 };
  const server = http.createServer((req, res) => {
    const isWrite = req.method === 'POST' && /\/docs\/?$/.test(req.url ?? '');
    if (isWrite) state.writesSeen++;
    if (isWrite && state.throttle > 0) {
      state.throttle--;
      req.resume();
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-ms-retry-after-ms': '5',
        'x-ms-request-charge': '0',
      });
      res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large.' }));
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const endpoint = await listen(server);
  return Object.assign(state, {
    endpoint,
    connectionString: `AccountEndpoint=${endpoint};AccountKey=${EMULATOR_KEY};`,
    close: closer(server),
  });
}
