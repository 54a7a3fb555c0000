// The app's consumers of changes and events, by the name their dead letters carry: what the
// change-feed and Event Hubs functions run, and what `dead-letters-replay` runs again.
import { deadLetter } from '../../shared/app/dead-letters';
import { projectMemberChanges } from '../../shared/app/views';
import { appDeps } from './composition';

export const VIEWS_PROJECTOR = 'views-project';

export const consumers: Readonly<Record<string, (items: unknown[]) => Promise<unknown>>> = {
  /** Items that are not valid members or rentals go straight to the dead letters: retrying cannot mend them. */
  [VIEWS_PROJECTOR]: async (changes) => {
    const { invalid } = await projectMemberChanges(appDeps(), changes);
    if (invalid.length > 0) {
      await deadLetter(appDeps(), VIEWS_PROJECTOR, invalid, new Error('not a valid member or rental'));
    }
  },
};
