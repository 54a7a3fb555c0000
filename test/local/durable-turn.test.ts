// One orchestrator turn on its own (local/durable/turn.ts): the orchestrator's replay is scripted,
// so each case shows what a turn makes of it — sequence numbers, retry timers, non-determinism,
// termination — without a host, a worker or a data file.
import { describe, expect, it } from 'vitest';
import {
  ActionType,
  EventType,
  historyEvent,
  type Action,
  type HistoryEvent,
} from '../../local/durable/history';
import { newInstance, type Instance, type Message } from '../../local/durable/instance';
import { playTurn, type RunningTurn, type TurnResult } from '../../local/durable/turn';

const T0 = Date.UTC(2026, 0, 1);
let nextMessageId = 1;

function message(
  event: HistoryEvent,
  instance: Instance,
  executionId: string | null = instance.executionId,
): Message {
  return { id: nextMessageId++, executionId, visibleAt: T0, event };
}

function started(parent: Instance['parent'] = null): Instance {
  const instance = newInstance({
    id: 'rental-1',
    name: 'saga',
    inputJson: '{"bookId":"b1"}',
    parent,
    now: T0,
  });
  instance.pending = [message(historyEvent(EventType.ExecutionStarted, T0, { Name: 'saga' }), instance)];
  return instance;
}

/** The orchestrator asks for `actions` (all it has asked for so far), not done yet. */
const asks = (actions: Action[]) => () =>
  Promise.resolve({ result: { isDone: false, actions: [actions], schemaVersion: 2 } });

/** What the engine keeps of a running turn: its state and history; the turn's messages are taken. */
function afterTurn(instance: Instance, turn: RunningTurn): void {
  instance.state = { ...turn.state, turns: turn.state.turns + 1 };
  instance.pending = instance.pending.filter((m) => !turn.consumed.has(m.id));
}

function running(turn: TurnResult | undefined): RunningTurn {
  expect(turn?.kind).toBe('running');
  return turn as RunningTurn;
}

const activity = (name: string): Action => ({ actionType: ActionType.CallActivity, functionName: name });

describe('an orchestrator turn', () => {
  it('numbers the new activities in order and schedules each as work with its TaskScheduled event', async () => {
    const instance = started();
    const turn = running(
      await playTurn({ instance, now: T0, replay: asks([activity('debitPoints'), activity('reserveCopy')]) }),
    );
    expect(turn.plan.activities.map((a) => [a.taskId, a.name])).toEqual([
      [0, 'debitPoints'],
      [1, 'reserveCopy'],
    ]);
    const scheduled = turn.plan.history.filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.map((e) => [e.EventId, e.Name])).toEqual([
      [0, 'debitPoints'],
      [1, 'reserveCopy'],
    ]);
    expect(turn.state.actions).toEqual(['CallActivity debitPoints', 'CallActivity reserveCopy']);
  });

  it('retries a failed activity after a backoff timer that grows by the coefficient, with fresh sequence numbers', async () => {
    const instance = started();
    const retried: Action = {
      actionType: ActionType.CallActivityWithRetry,
      functionName: 'debitPoints',
      retryOptions: {
        firstRetryIntervalInMilliseconds: 1_000,
        maxNumberOfAttempts: 3,
        backoffCoefficient: 2,
      },
    };
    const replay = asks([retried]);
    afterTurn(instance, running(await playTurn({ instance, now: T0, replay })));

    // The first attempt (task 0) fails: a retry timer (id 1) due one second later.
    instance.pending.push(message(historyEvent(EventType.TaskFailed, T0, { TaskScheduledId: 0 }), instance));
    let turn = running(await playTurn({ instance, now: T0, replay }));
    expect(turn.plan.activities).toEqual([]);
    expect(turn.plan.messages.map((m) => [m.event.EventType, m.event.TimerId, m.visibleAt])).toEqual([
      [EventType.TimerFired, 1, T0 + 1_000],
    ]);
    afterTurn(instance, turn);

    // The timer fires: the second attempt is task 2.
    instance.pending.push(message(turn.plan.messages[0].event, instance));
    turn = running(await playTurn({ instance, now: T0 + 1_000, replay }));
    expect(turn.plan.activities.map((a) => [a.taskId, a.name])).toEqual([[2, 'debitPoints']]);
    afterTurn(instance, turn);

    // It fails too: the next timer waits twice as long.
    instance.pending.push(message(historyEvent(EventType.TaskFailed, T0, { TaskScheduledId: 2 }), instance));
    turn = running(await playTurn({ instance, now: T0 + 1_000, replay }));
    expect(turn.plan.messages.map((m) => [m.event.TimerId, m.visibleAt])).toEqual([[3, T0 + 3_000]]);
  });

  it('fails the orchestration when its replay asks for other actions than before', async () => {
    const instance = started();
    afterTurn(
      instance,
      running(await playTurn({ instance, now: T0, replay: asks([activity('debitPoints')]) })),
    );
    instance.pending.push(
      message(historyEvent(EventType.TaskCompleted, T0, { TaskScheduledId: 0, Result: 'true' }), instance),
    );
    const turn = await playTurn({ instance, now: T0, replay: asks([activity('refundPoints')]) });
    expect(turn).toMatchObject({ kind: 'ended', status: 'Failed' });
    expect(turn?.kind === 'ended' && JSON.parse(turn.outputJson)).toContain(
      'Non-Deterministic workflow detected: action 0 was CallActivity debitPoints and is now CallActivity refundPoints.',
    );
  });

  it('ends a terminated sub-orchestration and tells its parent, without replaying', async () => {
    const parent = { instanceId: 'parent-1', executionId: 'exec-p', taskId: 4 };
    const instance = started(parent);
    instance.pending.push(
      message(historyEvent(EventType.ExecutionTerminated, T0, { Input: 'cancelled' }), instance, null),
    );
    let replayed = false;
    const turn = await playTurn({
      instance,
      now: T0,
      replay: () => {
        replayed = true;
        return asks([])();
      },
    });
    expect(replayed).toBe(false);
    expect(turn).toMatchObject({
      kind: 'ended',
      status: 'Terminated',
      outputJson: '"cancelled"',
      parentEvent: {
        EventType: EventType.SubOrchestrationInstanceFailed,
        TaskScheduledId: 4,
        Reason: "The sub-orchestration 'rental-1' was terminated: cancelled",
      },
    });
  });

  it('only drops replies to an execution that has ended', async () => {
    const instance = started();
    instance.pending = [
      message(historyEvent(EventType.TaskCompleted, T0, { TaskScheduledId: 0 }), instance, 'old'),
    ];
    const turn = await playTurn({ instance, now: T0, replay: asks([]) });
    expect(turn).toEqual({ kind: 'stale', consumed: new Set([instance.pending[0].id]) });
  });

  it('fails at once when no orchestrator of that name is registered', async () => {
    const turn = await playTurn({ instance: started(), now: T0, replay: undefined });
    expect(turn).toMatchObject({ kind: 'ended', status: 'Failed' });
    expect(turn?.kind === 'ended' && turn.failure).toBe(
      "Orchestrator function 'saga' failed: The function 'saga' doesn't exist, is disabled, or is not an orchestrator function.",
    );
  });
});
