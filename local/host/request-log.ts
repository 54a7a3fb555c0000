// One line per HTTP request at info, written once the answer has gone out (or the client went away):
// method, path, status, duration and the function invocation that answered it, as
// `POST /api/rentals 201 48 ms (Id=<invocation id>)`. The Functions host's request telemetry says
// the same. The path is logged without its query: a key may travel there (`?code=`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger';

const invocations = new WeakMap<ServerResponse, string>();

/** Times `req` and logs its line when `res` is done with. */
export function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  res.once('close', () => {
    const ms = Math.round(performance.now() - started);
    const path = (req.url ?? '/').split('?')[0];
    const id = invocations.get(res);
    const notes = [id && `Id=${id}`, !res.writableFinished && 'closed before the answer was sent'].filter(
      Boolean,
    );
    log.info(
      `${req.method} ${path} ${res.statusCode} ${ms} ms${notes.length ? ` (${notes.join(', ')})` : ''}`,
    );
  });
}

/** The invocation that answers the request of `res`, for its line. */
export function noteInvocation(res: ServerResponse, invocationId: string): void {
  invocations.set(res, invocationId);
}
