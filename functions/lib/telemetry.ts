// The business events operators see in Application Insights: one log line per fact, whose message is
// a JSON object starting with `{"event":` (written with context.log, so it lands in `traces`). The
// Portal dashboard and the alerts (infra/app/dashboard.bicep, infra/app/alerts.bicep) parse exactly
// these names and fields; test/infra checks them against the compiled template.
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { Consumed } from '../../shared/app/dead-letters';
import { REJECTION_REASONS } from '../../shared/domain/rental';

/** The saga steps that change something and can fail for good (the saga then undoes what was done). */
export const SAGA_STEPS = ['reserveCopy', 'chargeAndApprove'] as const;
/** The saga steps that undo an earlier one. */
export const COMPENSATION_STEPS = ['refundPoints', 'releaseCopy'] as const;

/** What each event carries. Declared as schemas so the cross-check and the tests can read them. */
export const telemetryEvents = [
  z.object({ event: z.literal('rental.approved'), rentalId: z.string() }),
  z.object({ event: z.literal('rental.rejected'), rentalId: z.string(), reason: z.enum(REJECTION_REASONS) }),
  /** A step kept failing through its retries: the saga undoes what it did and rejects PROCESSING_FAILED. */
  z.object({ event: z.literal('saga.failed'), rentalId: z.string(), step: z.enum(SAGA_STEPS) }),
  /** A compensation put back what its step had taken (points refunded, a copy released). */
  z.object({ event: z.literal('saga.compensated'), rentalId: z.string(), step: z.enum(COMPENSATION_STEPS) }),
  /** A projector applied a batch of changes; lagMs: now − the oldest change's `_ts` (one line per batch). */
  z.object({ event: z.literal('projection.applied'), projection: z.string(), lagMs: z.number() }),
  /** Changes a projector kept failing on went to `dead-letters`; id: the dead letter's. */
  z.object({ event: z.literal('projection.deadlettered'), projection: z.string(), id: z.string() }),
  /** Each run of the overdue timer: the loans overdue now, and what this run did. */
  z.object({
    event: z.literal('overdue.scanned'),
    overdue: z.number().int(),
    markedOverdue: z.number().int(),
    dueSoon: z.number().int(),
    reminders: z.number().int(),
    checked: z.number().int(),
  }),
] as const;

export const telemetryEvent = z.discriminatedUnion('event', [...telemetryEvents]);
export type TelemetryEvent = z.infer<typeof telemetryEvent>;

/**
 * Writes one event as one line, `event` first (the alerts match the line's start). Typed, not
 * parsed: the events are the app's own, and this is on the hot path.
 */
export function logEvent(context: Pick<InvocationContext, 'log'>, event: TelemetryEvent): void {
  const { event: name, ...fields } = event;
  context.log(JSON.stringify({ event: name, ...fields }));
}

/**
 * A projector's line for one batch of changes: `projection.deadlettered` when the batch went to
 * `dead-letters`, else `projection.applied` with its lag when it applied any change (a batch of
 * repeats only, or of items no view holds, writes nothing).
 */
export function logProjection(
  context: Pick<InvocationContext, 'log'>,
  batch: {
    projection: string;
    changes: readonly unknown[];
    outcome: Consumed<{ applied: number }>;
    nowMs: number;
  },
): void {
  const { projection, changes, outcome, nowMs } = batch;
  if ('deadLetter' in outcome) {
    logEvent(context, { event: 'projection.deadlettered', projection, id: outcome.deadLetter });
    return;
  }
  if (outcome.consumed.applied === 0) return;
  const lagMs = changeFeedLagMs(changes, nowMs);
  if (lagMs !== undefined) logEvent(context, { event: 'projection.applied', projection, lagMs });
}

/**
 * How far behind a change-feed projector is: now − the oldest `_ts` (seconds, set by the store)
 * among the changes it was handed. Changes without a numeric `_ts` are left out; none: undefined.
 */
function changeFeedLagMs(changes: readonly unknown[], nowMs: number): number | undefined {
  let oldest = Infinity;
  for (const change of changes) {
    const ts = (change as { _ts?: unknown } | null)?._ts;
    if (typeof ts === 'number' && ts < oldest) oldest = ts;
  }
  return oldest === Infinity ? undefined : Math.max(0, nowMs - oldest * 1000);
}
