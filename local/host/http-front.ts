// The host's HTTP front (`http-front-thread.ts`): a thread that listens on the host's port, keeps
// host.json's HTTP limits and passes every request to the main thread's server, which listens on a
// socket of this process alone (a socket file in a private folder; a named pipe on Windows). A
// request over the limits is refused there at once, however long the main thread's queue of work
// is: the main thread runs the functions, the durable task hub and the consumers on one event loop,
// and under load a request could wait there for a turn longer than the refusal is worth.
// A front thread that dies is started again on the same port; requests in hand then fail, as they
// would if the Functions host restarted.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { count } from './counters';
import type { HttpLimits } from './http-server';
import type { Logger } from './logger';

/** What the front thread is started with (`workerData`). */
export interface FrontData {
  port: number;
  hostname: string;
  /** The main thread's socket. */
  target: string;
  limits: Pick<HttpLimits, 'maxConcurrentRequests' | 'maxOutstandingRequests'>;
}

export type FromFront =
  | { kind: 'listening'; port: number }
  | { kind: 'failed'; code?: string; message: string }
  | { kind: 'refused'; count: number }
  | { kind: 'stopped' };

export type ToFront = { kind: 'stop' };

/** Where the main thread reads the caller's address: the front sets it, replacing any the caller sent. */
export const FORWARDED_FOR = 'x-forwarded-for';

const STOP_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 100;

/** The thread's script: compiled JavaScript beside this file, or, run from the TypeScript source (a test runner), the build's. */
function threadScript(): string {
  const beside = path.join(__dirname, 'http-front-thread.js');
  return fs.existsSync(beside)
    ? beside
    : path.resolve(__dirname, '../../dist/local/host/http-front-thread.js');
}

/** Where the main thread's server listens: a path no other process is given or may open. */
export function privateSocketPath(): { path: string; remove: () => void } {
  if (process.platform === 'win32')
    return { path: `\\\\.\\pipe\\rentbook-host-${randomUUID()}`, remove: () => {} };
  // mkdtemp makes the folder readable and writable by this user only (0700).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-host-'));
  return {
    path: path.join(dir, 'http.sock'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export class HttpFront {
  private thread?: Thread;
  private stopping = false;
  private listeningPort = 0;
  private up = false;

  private constructor(
    private readonly data: FrontData,
    private readonly log: Logger,
  ) {}

  /** Starts the front; resolves once it listens (rejects as `listen` would: EADDRINUSE and the like). */
  static async start(data: FrontData, log: Logger): Promise<HttpFront> {
    const front = new HttpFront(data, log);
    front.listeningPort = await front.spawn(data.port);
    return front;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  /** Ends the thread abruptly, as a crash would: it is started again on the same port. */
  async crash(): Promise<void> {
    await this.thread?.terminate();
  }

  /** Whether the thread is up and listening (not between a crash and its restart). */
  get listening(): boolean {
    return this.up;
  }

  /** Stops taking connections; resolves once the requests in hand are answered (or it had to end). */
  async stop(): Promise<void> {
    this.stopping = true;
    const thread = this.thread;
    if (!thread) return;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    const timer = setTimeout(() => void thread.terminate(), STOP_TIMEOUT_MS);
    thread.postMessage({ kind: 'stop' } satisfies ToFront);
    await exited;
    clearTimeout(timer);
  }

  private spawn(port: number): Promise<number> {
    const thread = new Thread(threadScript(), { workerData: { ...this.data, port } satisfies FrontData });
    this.thread = thread;
    return new Promise<number>((resolve, reject) => {
      let listening = false;
      thread.on('message', (message: FromFront) => {
        if (message.kind === 'listening') {
          listening = this.up = true;
          resolve(message.port);
        } else if (message.kind === 'failed') {
          reject(Object.assign(new Error(message.message), { code: message.code }));
          void thread.terminate();
        } else if (message.kind === 'refused') {
          count('http.refused', message.count);
          this.log.warn(
            `Refused ${message.count} request${message.count === 1 ? '' : 's'} with 429 in the last second: ` +
              `more than ${this.data.limits.maxOutstandingRequests} outstanding (host.json extensions.http.maxOutstandingRequests).`,
          );
        } else if (message.kind === 'stopped') void thread.terminate();
      });
      thread.on('error', (err) => {
        if (!listening) reject(err);
        else this.log.error('The HTTP front thread failed', err);
      });
      thread.on('exit', (code) => {
        if (this.thread === thread) {
          this.thread = undefined;
          this.up = false;
        }
        if (!listening) return reject(new Error(`The HTTP front thread exited (${code}) while starting.`));
        if (!this.stopping) this.restart(code);
      });
    });
  }

  private restart(code: number): void {
    this.log.error(
      `The HTTP front thread exited (${code}); starting it again on port ${this.listeningPort}.`,
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn(this.listeningPort).catch((err: unknown) => {
        this.log.error('The HTTP front thread did not start again', err);
        if (!this.stopping) this.restart(-1);
      });
    }, RESTART_DELAY_MS).unref();
  }
}
