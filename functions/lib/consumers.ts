// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again. A consumer
// throws when it could not handle everything it was given (valid items are applied first, and
// applying is idempotent), so the trigger's retries and then the dead letters take over.
import { composeNotices } from '../../shared/app/notices';
import { projectMemberChanges } from '../../shared/app/views';
import { appDeps, appMessageSender } from './composition';

export const VIEWS_PROJECTOR = 'views-project';
export const NOTICES_COMPOSER = 'notices-compose';

const idsOf = (items: unknown[]) => items.map((c) => String((c as { id?: unknown } | null)?.id)).join(', ');

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  [VIEWS_PROJECTOR]: async (changes) => {
    const { invalid } = await projectMemberChanges(appDeps(), changes);
    if (invalid.length > 0) throw new Error(`Not valid members or rentals: ${idsOf(invalid)}`);
  },
  [NOTICES_COMPOSER]: async (events) => {
    const { invalid } = await composeNotices(appDeps(), appMessageSender(), events);
    if (invalid.length > 0) throw new Error(`Not valid domain events: ${idsOf(invalid)}`);
  },
};
