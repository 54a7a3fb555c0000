// Timer functions: a five-minute schedule with the schedule monitor, and one that runs on start-up.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { record } from '../probe';

app.timer('everyFiveMinutes', {
  schedule: '0 */5 * * * *',
  handler: (timer: Timer, context: InvocationContext) => {
    record('timer:everyFiveMinutes', {
      isPastDue: timer.isPastDue,
      scheduleStatus: timer.scheduleStatus,
      id: context.invocationId,
    });
  },
});

app.timer('onStartup', {
  schedule: '0 0 3 * * *',
  runOnStartup: true,
  handler: (timer: Timer) => {
    record('timer:onStartup', { isPastDue: timer.isPastDue });
  },
});
