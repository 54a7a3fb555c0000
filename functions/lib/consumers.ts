// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again. A consumer
// throws when it could not handle everything it was given (valid items are applied first, and
// applying is idempotent), so the trigger's retries and then the dead letters take over.
import type { InvocationContext } from '@azure/functions';
import { consumeOrDeadLetter } from '../../shared/app/dead-letters';
import { projectBookChanges, projectMemberChanges, type ProjectionResult } from '../../shared/app/views';
import { isLastAttempt } from './change-feed';
import { appDeps } from './composition';

export const VIEWS_PROJECTOR = 'views-project';
export const HOLD_VIEWS_PROJECTOR = 'views-project-holds';

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  [VIEWS_PROJECTOR]: async (changes) =>
    allApplied(await projectMemberChanges(appDeps(), changes), 'members or rentals'),
  [HOLD_VIEWS_PROJECTOR]: async (changes) =>
    allApplied(await projectBookChanges(appDeps(), changes), 'hold queues'),
};

/** A trigger's handler for the consumer `name`: past the trigger's retries, what fails is dead-lettered. */
export function consumerHandler(name: keyof typeof consumers) {
  return async (items: unknown[], context: InvocationContext): Promise<void> =>
    consumeOrDeadLetter(appDeps(), name, items, isLastAttempt(context), consumers[name]);
}

function allApplied({ invalid }: ProjectionResult, what: string): void {
  if (invalid.length === 0) return;
  const ids = invalid.map((c) => String((c as { id?: unknown } | null)?.id));
  throw new Error(`Not valid ${what}: ${ids.join(', ')}`);
}
