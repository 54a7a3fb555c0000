// The views rebuild's activities: each hands one step to shared/app/views.ts.
import * as df from 'durable-functions';
import { z } from 'zod';
import { countMembers, memberIdsPage, rebuildMemberViews, sweepViewsPage } from '../shared/app/views';
import { appDeps } from './lib/composition';
import { rebuildActivities as step } from './lib/views-rebuild-client';

df.app.activity(step.countMembers, { handler: () => countMembers(appDeps()) });
df.app.activity(step.listMembers, {
  handler: (continuation) => memberIdsPage(appDeps(), z.string().nullable().parse(continuation) ?? undefined),
});
df.app.activity(step.rebuildMember, {
  handler: (memberId) => rebuildMemberViews(appDeps(), z.string().min(1).parse(memberId)),
});
df.app.activity(step.sweep, {
  handler: (continuation) =>
    sweepViewsPage(appDeps(), z.string().nullable().parse(continuation) ?? undefined),
});
