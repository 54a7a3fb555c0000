// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again. A consumer
// throws when it could not handle everything it was given (valid items are applied first, and
// applying is idempotent), so the trigger's retries and then the dead letters take over.
import { projectMemberChanges, type ProjectionResult } from '../../shared/app/views';
import { appDeps } from './composition';

export const VIEWS_PROJECTOR = 'views-project';

/** The views projector: applies what it can, then throws naming the changes that were not valid. */
export async function projectViews(changes: unknown[]): Promise<ProjectionResult> {
  const result = await projectMemberChanges(appDeps(), changes);
  if (result.invalid.length > 0) {
    const ids = result.invalid.map((c) => String((c as { id?: unknown } | null)?.id));
    throw new Error(`Not valid members or rentals: ${ids.join(', ')}`);
  }
  return result;
}

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  [VIEWS_PROJECTOR]: projectViews,
};
