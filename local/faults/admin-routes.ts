// Dev hosts only: the fault plan at run time.
//   GET    /admin/faults                       the plan in force and the faults injected so far
//   POST   /admin/faults/outages               {"service": "eventHubs", "for": "PT10S", "after": "PT0S"}
//   DELETE /admin/faults/outages[?service=]    ends the outages (of one service) now
// The plan is kept in the data file, so every stand-in on it, in any thread, follows the change
// within 100 ms.
import { z } from 'zod';
import { parseIsoDuration } from '../host/clock';
import { hostProblem } from '../host/problem';
import type { Database, InternalRequest, InternalResponse, InternalRoutes } from '../host/types';
import { addOutage, endOutages, faultCounts, readFaultSettings } from './plan';
import { FAULT_SERVICES, type FaultService, type FaultSettings } from './settings';

const service = z.enum(FAULT_SERVICES as [FaultService, ...FaultService[]]);
const outageBody = z.object({ service, for: z.string(), after: z.string().default('PT0S') }).strict();

export function addFaultRoutes(routes: InternalRoutes, db: Database): void {
  const describe = (settings: FaultSettings): InternalResponse => ({
    status: 200,
    body: {
      seed: settings.seed,
      rates: settings.rates,
      latencyMs: settings.latencyMs,
      documentErrors: settings.documentErrors,
      outages: settings.outages.map((o) => ({
        service: o.service,
        from: new Date(o.fromMs).toISOString(),
        until: new Date(o.untilMs).toISOString(),
      })),
      injected: faultCounts(db),
    },
  });
  routes.add('GET', 'admin/faults', () => describe(readFaultSettings(db)));
  routes.add('POST', 'admin/faults/outages', (req: InternalRequest) => {
    const parsed = parseBody(req);
    if ('status' in parsed) return parsed;
    let afterMs: number;
    let forMs: number;
    try {
      afterMs = parseIsoDuration(parsed.after);
      forMs = parseIsoDuration(parsed.for);
    } catch (err) {
      return hostProblem(400, `"after" and "for" must be ISO 8601 durations: ${(err as Error).message}`);
    }
    if (forMs <= 0) return hostProblem(400, '"for" must be a duration above zero, such as PT10S.');
    const fromMs = Date.now() + afterMs;
    const settings = addOutage(db, { service: parsed.service, fromMs, untilMs: fromMs + forMs });
    return { ...describe(settings), status: 201 };
  });
  routes.add('DELETE', 'admin/faults/outages', (req: InternalRequest) => {
    const which = req.query.get('service');
    if (which !== null && !service.safeParse(which).success)
      return hostProblem(400, `"service" must be one of ${FAULT_SERVICES.join(', ')}.`);
    return describe(endOutages(db, (which ?? undefined) as FaultService | undefined));
  });
}

function parseBody(req: InternalRequest): z.infer<typeof outageBody> | InternalResponse {
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}');
  } catch {
    return hostProblem(400, 'The body must be JSON: {"service": "eventHubs", "for": "PT10S"}.');
  }
  const parsed = outageBody.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return hostProblem(400, `${issue.path.join('.') || 'body'}: ${issue.message}.`);
}
