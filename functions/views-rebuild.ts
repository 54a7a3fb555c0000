// Rebuilding the views (Durable orchestration): counts the members, then page by page fans out one
// activity per member that replaces its mypage views with what the write model says,
// then sweeps out the view items of members the write model does not have, reporting its progress
// as it goes. Rebuilding is idempotent and never puts an older version back, so it may run while
// the projector does. Deterministic: no I/O, no clock, no random here.
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { RebuiltViews } from '../shared/app/views';
import { rebuildActivities as step, VIEWS_REBUILD, type RebuildProgress } from './lib/views-rebuild-client';

const retry = new df.RetryOptions(1_000, 5);
retry.backoffCoefficient = 2;

function* viewsRebuild(context: OrchestrationContext): Generator<Task, RebuildProgress, unknown> {
  const members = (yield context.df.callActivityWithRetry(step.countMembers, retry)) as number;
  const progress: RebuildProgress = { members, done: 0, items: 0, removed: 0 };
  context.df.setCustomStatus(progress);
  let continuation: string | undefined;
  do {
    const page = (yield context.df.callActivityWithRetry(step.listMembers, retry, continuation ?? null)) as {
      memberIds: string[];
      continuation?: string;
    };
    const rebuilt = (yield context.df.Task.all(
      page.memberIds.map((id) => context.df.callActivityWithRetry(step.rebuildMember, retry, id)),
    )) as RebuiltViews[];
    progress.done += page.memberIds.length;
    for (const r of rebuilt) {
      progress.items += r.written;
      progress.removed += r.removed;
    }
    context.df.setCustomStatus(progress);
    continuation = page.continuation;
  } while (continuation);
  do {
    const swept = (yield context.df.callActivityWithRetry(step.sweep, retry, continuation ?? null)) as {
      removed: number;
      continuation?: string;
    };
    progress.removed += swept.removed;
    context.df.setCustomStatus(progress);
    continuation = swept.continuation;
  } while (continuation);
  return progress;
}

df.app.orchestration(VIEWS_REBUILD, viewsRebuild);
