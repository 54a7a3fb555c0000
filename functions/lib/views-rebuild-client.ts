// The views rebuild seen from outside: its function names, and how HTTP functions start it and
// read its progress. Kept apart from the orchestrator so the HTTP functions do not load its code.
import type { DurableClient } from 'durable-functions';

export const VIEWS_REBUILD = 'views-rebuild';

export const rebuildActivities = {
  countMembers: 'views-rebuild-count-members',
  listMembers: 'views-rebuild-list-members',
  rebuildMember: 'views-rebuild-member',
  sweep: 'views-rebuild-sweep',
} as const;

/** What the orchestration reports while it runs (custom status) and when done (output). */
export interface RebuildProgress {
  members: number;
  done: number;
  /** View items written. */
  items: number;
  /** View items removed: nothing in the write model is behind them. */
  removed: number;
}

export interface RebuildStatus {
  id: string;
  status: 'running' | 'completed' | 'failed';
  progress: RebuildProgress | null;
}

export async function startViewsRebuild(client: DurableClient): Promise<string> {
  return client.startNew(VIEWS_REBUILD);
}

/** undefined when there is no rebuild with that id. */
export async function viewsRebuildStatus(
  client: DurableClient,
  id: string,
): Promise<RebuildStatus | undefined> {
  let state;
  try {
    state = await client.getStatus(id, { showInput: false });
  } catch (err) {
    // durable-functions reports an unknown instance as an Error naming HTTP 404, not a type.
    if (err instanceof Error && /HTTP 404/.test(err.message)) return undefined;
    throw err;
  }
  if (!state || state.name !== VIEWS_REBUILD) return undefined;
  const runtime = String(state.runtimeStatus);
  const status =
    runtime === 'Completed' ? 'completed' : /Failed|Terminated/.test(runtime) ? 'failed' : 'running';
  const progress = (status === 'completed' ? state.output : state.customStatus) as RebuildProgress | null;
  return { id, status, progress: progress ?? null };
}
