// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again. A consumer
// throws when it could not handle everything it was given (valid items are applied first, and
// applying is idempotent), so the trigger's retries and then the dead letters take over.
import type { InvocationContext } from '@azure/functions';
import { consumeOrDeadLetter, InvalidItemsError } from '../../shared/app/dead-letters';
import { composeNotices } from '../../shared/app/notices';
import { projectBookChanges, projectMemberChanges, type ProjectionResult } from '../../shared/app/views';
import { isLastAttempt } from './change-feed';
import { appDeps, appMessageSender } from './composition';
import { logProjection } from './telemetry';

export const VIEWS_PROJECTOR = 'views-project';
export const HOLD_VIEWS_PROJECTOR = 'views-project-holds';
export const NOTICES_COMPOSER = 'notices-compose';

type Projector = typeof VIEWS_PROJECTOR | typeof HOLD_VIEWS_PROJECTOR;

const idsOf = (items: unknown[]): string =>
  items.map((c) => String((c as { id?: unknown } | null)?.id)).join(', ');

/** The change-feed projectors: each applies what it can, then throws naming the changes that were not valid. */
const projectors: Record<Projector, (changes: unknown[]) => Promise<ProjectionResult>> = {
  [VIEWS_PROJECTOR]: async (changes) =>
    allApplied(await projectMemberChanges(appDeps(), changes), 'members or rentals'),
  [HOLD_VIEWS_PROJECTOR]: async (changes) =>
    allApplied(await projectBookChanges(appDeps(), changes), 'hold queues'),
};

/** The notices composer: sends the notices of the valid events, then throws naming those that were not. */
export async function composeNoticesOf(events: unknown[]): Promise<{ applied: number }> {
  const result = await composeNotices(appDeps(), appMessageSender(), events);
  if (result.invalid.length > 0)
    throw new InvalidItemsError(`Not valid domain events: ${idsOf(result.invalid)}`);
  return { applied: result.sent };
}

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  ...projectors,
  [NOTICES_COMPOSER]: composeNoticesOf,
};

/**
 * A projector's change-feed handler: past the trigger's retries, what fails is dead-lettered; each
 * batch is logged (`projection.applied` with its lag, or `projection.deadlettered`).
 */
export function projectorHandler(name: Projector) {
  return async (changes: unknown[], context: InvocationContext): Promise<void> => {
    const deps = appDeps();
    const outcome = await consumeOrDeadLetter(
      deps,
      name,
      { items: changes, lastAttempt: isLastAttempt(context) },
      projectors[name],
    );
    logProjection(context, { projection: name, changes, outcome, nowMs: deps.clock.now() });
  };
}

function allApplied(result: ProjectionResult, what: string): ProjectionResult {
  if (result.invalid.length > 0) throw new InvalidItemsError(`Not valid ${what}: ${idsOf(result.invalid)}`);
  return result;
}
