// The host's HTTP front, on a thread of its own (`http-front.ts` starts it). It takes the
// connections on the host's port and passes each request on, as it comes, to the main thread's
// server over a socket only this process knows, and the answer back: the way the Functions host (a
// .NET process) takes HTTP in Azure and hands each request to the Node worker. host.json's HTTP
// limits are kept here, where a busy main thread cannot delay them: a request to the app past
// `maxOutstandingRequests` (running and waiting) is refused with 429 + Retry-After at once, and past
// `maxConcurrentRequests` a request waits here, not in the main thread's queue. The host's own
// routes (`/admin/*`, `/runtime/*`: the durable client's calls among them) are never held or refused.
// Everything else (the guard, routes, keys, body limits, functions) stays on the main thread.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { answerClientError, hostProblem } from './problem';
import { FORWARDED_FOR, type FromFront, type FrontData, type ToFront } from './http-front';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): each hop sets its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
/**
 * Of a request, also: `Expect`, which this side has answered already (Node sends 100 Continue).
 * `Transfer-Encoding: chunked` stays, so a body without a length (a DELETE's too) is sent chunked on.
 */
const REQUEST_ONLY = [...HOP_BY_HOP, 'expect'];
/** Of an answer, also its framing: the answer is framed again on the way out. */
const ANSWER_ONLY = [...HOP_BY_HOP, 'transfer-encoding'];
/** How often the count of refused requests goes to the main thread's log (when there were any). */
const REPORT_EVERY_MS = 1_000;

const data = workerData as FrontData;
const port = parentPort!;
const { maxConcurrentRequests: maxRunning, maxOutstandingRequests: maxOutstanding } = data.limits;
const toMain = new http.Agent({ keepAlive: true });
let running = 0;
/** Requests to the app waiting for one of `maxConcurrentRequests` to end, in arrival order. */
const waiting: { go: () => void; gone: boolean }[] = [];
let outstanding = 0;
let refusedSinceReport = 0;

const server = http.createServer({ requireHostHeader: false }, onRequest);
server.keepAliveTimeout = 65_000;
server.on('clientError', answerClientError);
server.once('error', (err: NodeJS.ErrnoException) =>
  post({ kind: 'failed', code: err.code, message: err.message }),
);
server.listen(data.port, data.hostname, () =>
  post({ kind: 'listening', port: (server.address() as AddressInfo).port }),
);
const report = setInterval(() => {
  if (refusedSinceReport === 0) return;
  post({ kind: 'refused', count: refusedSinceReport });
  refusedSinceReport = 0;
}, REPORT_EVERY_MS);

port.on('message', (message: ToFront) => {
  if (message.kind !== 'stop') return;
  clearInterval(report);
  // Stop taking connections; the requests in hand finish, and idle connections close now.
  server.close(() => {
    toMain.destroy();
    if (refusedSinceReport) post({ kind: 'refused', count: refusedSinceReport });
    post({ kind: 'stopped' });
  });
  server.closeIdleConnections();
});

function post(message: FromFront): void {
  port.postMessage(message);
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  if (isHostRoute(req.url)) return forward(req, res);
  if (maxOutstanding >= 0 && outstanding >= maxOutstanding) {
    refusedSinceReport++;
    // What the Functions host does when its HTTP queue is full (host.json http.maxOutstandingRequests).
    return answerBusy(res, 429, 'Too many requests are waiting; try again shortly.');
  }
  outstanding++;
  const entry = {
    started: false,
    gone: false,
    go: (): void => {
      entry.started = true;
      running++;
      forward(req, res);
    },
  };
  res.once('close', () => {
    outstanding--;
    if (!entry.started) return void (entry.gone = true);
    running--;
    let next;
    while ((next = waiting.shift()) && next.gone);
    next?.go();
  });
  if (maxRunning >= 0 && running >= maxRunning) waiting.push(entry);
  else entry.go();
}

/**
 * A path under `/admin/` or `/runtime/`, which the host serves itself; judged on the first segment
 * as the main thread's routes see it (percent-decoded, any case), so no spelling slips past a limit
 * or is held by one it is not under.
 */
function isHostRoute(url: string | undefined): boolean {
  const first = (url ?? '/').replace(/^\/+/, '').split(/[/?#]/, 1)[0];
  let segment: string;
  try {
    segment = decodeURIComponent(first).toLowerCase();
  } catch {
    return false;
  }
  return segment === 'admin' || segment === 'runtime';
}

/** Passes the request to the main thread's server and its answer back, both as they stream. */
function forward(req: IncomingMessage, res: ServerResponse): void {
  const headers: OutgoingHttpHeaders = { ...req.headers };
  for (const name of REQUEST_ONLY) delete headers[name];
  headers[FORWARDED_FOR] = req.socket.remoteAddress ?? '';
  const inner = http.request({
    socketPath: data.target,
    method: req.method,
    path: req.url,
    headers,
    agent: toMain,
    // The caller's Host goes on as it came (or absent, as it came): the main thread's guard judges it.
    setHost: false,
  });
  let answered = false;
  inner.on('response', (answer) => {
    const back: OutgoingHttpHeaders = { ...answer.headers };
    for (const name of ANSWER_ONLY) delete back[name];
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, back);
    answer.pipe(res);
    answer.on('error', () => res.destroy());
    answer.on('end', () => {
      answered = true;
      // Answered before the body was all sent (a 413): the rest is not passed on (Node's client
      // does not go on sending a body once its answer has come); the caller's is read and dropped,
      // so it reads the answer rather than a reset, and its connection serves the next request.
      if (req.complete) return;
      req.unpipe(inner);
      inner.destroy();
      req.resume();
    });
  });
  inner.on('error', () => {
    if (!res.headersSent) answerBusy(res, 503, 'The host is not answering; try again shortly.');
    else if (!answered) res.destroy();
    req.resume();
  });
  // A caller that goes away takes its request on the main thread with it.
  res.once('close', () => {
    if (!res.writableFinished) inner.destroy();
  });
  req.pipe(inner);
  // A body that is not all here yet may never come (a length the main thread refuses to read): the
  // head goes on by itself, so the main thread can answer it before any of the body.
  setImmediate(() => {
    if (!inner.headersSent && !inner.destroyed) inner.flushHeaders();
  });
}

/** A problem+json answer that says to come back in a second. */
function answerBusy(res: ServerResponse, status: number, detail: string): void {
  const { headers, body } = hostProblem(status, detail, { 'Retry-After': '1' });
  const bytes = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(bytes) });
  res.end(bytes);
}
