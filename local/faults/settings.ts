// The app setting LOCAL_FAULTS (JSON): which transient failures, delays and outages the stand-ins
// inject, as Azure's services have them every day. Checked once when the host starts; a wrong one
// stops it with a message naming the setting and the field.
//
//   {
//     "seed": 7,                                   the dice (default 1): the same seed, the same rolls
//     "documents": { "read": 0.01, "query": 0.01, "write": 0.01, "batch": 0.01,
//                    "errors": { "429": 3, "503": 1, "408": 1 }, "latencyMs": [0, 3] },
//     "eventHubs": { "publish": 0.05, "receive": 0 },
//     "serviceBus": { "send": 0.05, "receive": 0.05 },
//     "durable": { "activity": 0.01 },
//     "outages": [ { "service": "eventHubs", "after": "PT20S", "for": "PT10S" } ]
//   }
//
// A service given as a number fails that fraction of each of its operations. `errors` weighs the
// Cosmos DB answers a failed store call gets; `latencyMs` (a number or [min, max]) delays each call
// of the service. An outage makes every call of the named service fail, from `after` past the
// host's start for `for` (ISO 8601 durations).
import { z } from 'zod';
import { parseIsoDuration } from '../host/clock';

/** The stand-ins faults can be injected into, and the operations of each that can fail. */
export const FAULT_OPERATIONS = {
  documents: ['read', 'query', 'write', 'batch'],
  eventHubs: ['publish', 'receive'],
  serviceBus: ['send', 'receive'],
  durable: ['activity'],
} as const;

export type FaultService = keyof typeof FAULT_OPERATIONS;
export type FaultOperation<S extends FaultService = FaultService> = (typeof FAULT_OPERATIONS)[S][number];
export const FAULT_SERVICES = Object.keys(FAULT_OPERATIONS) as FaultService[];

/** What a failed store call answers, as Cosmos DB does: throttled, unavailable, timed out. */
export const DOCUMENT_FAULTS = ['429', '503', '408'] as const;
export type DocumentFault = (typeof DOCUMENT_FAULTS)[number];

const fraction = z.number().min(0, 'must be a fraction from 0 to 1').max(1, 'must be a fraction from 0 to 1');
const latency = z.union([
  z.number().min(0).max(60_000),
  z
    .tuple([z.number().min(0).max(60_000), z.number().min(0).max(60_000)])
    .refine(([min, max]) => min <= max, 'must be [min, max] with min ≤ max'),
]);
const duration = z.string().transform((text, ctx) => {
  try {
    return parseIsoDuration(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 duration such as PT10S' });
    return z.NEVER;
  }
});

function serviceSchema<S extends FaultService>(service: S) {
  const rates = Object.fromEntries(
    FAULT_OPERATIONS[service].map((op) => [op, fraction.optional()]),
  ) as Record<FaultOperation<S>, z.ZodOptional<typeof fraction>>;
  const extra =
    service === 'documents'
      ? {
          errors: z
            .record(z.enum(DOCUMENT_FAULTS), z.number().min(0))
            .refine((w) => Object.values(w).some((v) => v > 0), 'must weigh at least one answer above 0')
            .optional(),
        }
      : {};
  return z.union([fraction, z.object({ ...rates, ...extra, latencyMs: latency.optional() }).strict()]);
}

const outage = z
  .object({
    service: z.enum(FAULT_SERVICES as [FaultService, ...FaultService[]]),
    after: duration.default('PT0S'),
    for: duration,
  })
  .strict();

const settingSchema = z
  .object({
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1),
    documents: serviceSchema('documents').optional(),
    eventHubs: serviceSchema('eventHubs').optional(),
    serviceBus: serviceSchema('serviceBus').optional(),
    durable: serviceSchema('durable').optional(),
    outages: z.array(outage).max(100).default([]),
  })
  .strict();

/** One window in which every call of a service fails (milliseconds since the epoch, real time). */
export interface Outage {
  service: FaultService;
  fromMs: number;
  untilMs: number;
}

/** The plan as the stand-ins read it: every field filled in, outages at absolute times. */
export interface FaultSettings {
  seed: number;
  /** Per service and operation, the fraction of calls that fail. */
  rates: { [S in FaultService]: Partial<Record<FaultOperation<S>, number>> };
  /** Per service, the delay of each call: [min, max] ms. */
  latencyMs: Partial<Record<FaultService, [number, number]>>;
  /** How often each answer comes when a store call fails. */
  documentErrors: Record<DocumentFault, number>;
  outages: Outage[];
}

export const NO_FAULTS: FaultSettings = {
  seed: 1,
  rates: { documents: {}, eventHubs: {}, serviceBus: {}, durable: {} },
  latencyMs: {},
  documentErrors: { '429': 3, '503': 1, '408': 1 },
  outages: [],
};

/** LOCAL_FAULTS, checked; outages placed relative to `startMs`. Throws naming the setting and field. */
export function parseFaultSettings(text: string | undefined, startMs: number): FaultSettings {
  if (text === undefined || text.trim() === '') return NO_FAULTS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('App setting LOCAL_FAULTS must be JSON.');
  }
  const parsed = settingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new Error(`App setting LOCAL_FAULTS: ${where}${issue.message}.`);
  }
  const s = parsed.data;
  const settings: FaultSettings = {
    ...NO_FAULTS,
    seed: s.seed,
    rates: { documents: {}, eventHubs: {}, serviceBus: {}, durable: {} },
    latencyMs: {},
    outages: s.outages.map((o) => ({
      service: o.service,
      fromMs: startMs + o.after,
      untilMs: startMs + o.after + o.for,
    })),
  };
  for (const service of FAULT_SERVICES) {
    const given = s[service];
    if (given === undefined) continue;
    const rates = settings.rates[service] as Record<string, number>;
    if (typeof given === 'number') {
      for (const op of FAULT_OPERATIONS[service]) rates[op] = given;
      continue;
    }
    for (const op of FAULT_OPERATIONS[service]) {
      const rate = (given as Record<string, number | undefined>)[op];
      if (rate !== undefined) rates[op] = rate;
    }
    if (given.latencyMs !== undefined)
      settings.latencyMs[service] =
        typeof given.latencyMs === 'number' ? [given.latencyMs, given.latencyMs] : given.latencyMs;
    if ('errors' in given && given.errors)
      settings.documentErrors = { '429': 0, '503': 0, '408': 0, ...given.errors };
  }
  return settings;
}
