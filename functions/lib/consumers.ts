// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again. A consumer
// throws when it could not handle everything it was given (valid items are applied first, and
// applying is idempotent), so the trigger's retries and then the dead letters take over.
import { composeNotices } from '../../shared/app/notices';
import { projectMemberChanges, type ProjectionResult } from '../../shared/app/views';
import { appDeps, appMessageSender } from './composition';

export const VIEWS_PROJECTOR = 'views-project';
export const NOTICES_COMPOSER = 'notices-compose';

const idsOf = (items: unknown[]): string =>
  items.map((c) => String((c as { id?: unknown } | null)?.id)).join(', ');

/** The views projector: applies what it can, then throws naming the changes that were not valid. */
export async function projectViews(changes: unknown[]): Promise<ProjectionResult> {
  const result = await projectMemberChanges(appDeps(), changes);
  if (result.invalid.length > 0) throw new Error(`Not valid members or rentals: ${idsOf(result.invalid)}`);
  return result;
}

/** The notices composer: sends the notices of the valid events, then throws naming those that were not. */
export async function composeNoticesOf(events: unknown[]): Promise<{ applied: number }> {
  const result = await composeNotices(appDeps(), appMessageSender(), events);
  if (result.invalid.length > 0) throw new Error(`Not valid domain events: ${idsOf(result.invalid)}`);
  return { applied: result.sent };
}

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  [VIEWS_PROJECTOR]: projectViews,
  [NOTICES_COMPOSER]: composeNoticesOf,
};
