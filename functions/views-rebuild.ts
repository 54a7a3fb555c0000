// Rebuilding the views (Durable orchestration): counts the members, then page by page fans out one
// activity per member that recomputes its mypage and board entries from the write model, reporting
// its progress as it goes. Rebuilding is idempotent and never puts an older version back, so it
// may run while the projector does. Deterministic: no I/O, no clock, no random here.
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { rebuildActivities as step, VIEWS_REBUILD, type RebuildProgress } from './lib/views-rebuild-client';

const retry = new df.RetryOptions(1_000, 5);
retry.backoffCoefficient = 2;

function* viewsRebuild(context: OrchestrationContext): Generator<Task, RebuildProgress, unknown> {
  const members = (yield context.df.callActivityWithRetry(step.countMembers, retry)) as number;
  const progress: RebuildProgress = { members, done: 0, items: 0 };
  context.df.setCustomStatus(progress);
  let continuation: string | undefined;
  do {
    const page = (yield context.df.callActivityWithRetry(step.listMembers, retry, continuation ?? null)) as {
      memberIds: string[];
      continuation?: string;
    };
    const written = (yield context.df.Task.all(
      page.memberIds.map((id) => context.df.callActivityWithRetry(step.rebuildMember, retry, id)),
    )) as number[];
    progress.done += page.memberIds.length;
    progress.items += written.reduce((a, b) => a + b, 0);
    context.df.setCustomStatus(progress);
    continuation = page.continuation;
  } while (continuation);
  return progress;
}

df.app.orchestration(VIEWS_REBUILD, viewsRebuild);
