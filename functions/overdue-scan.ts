// Timer (OVERDUE_SCHEDULE, default hourly): looks at every loan whose check time has come — due-soon
// notices a day before the due date, OVERDUE past it, a reminder every OVERDUE_REMINDER_DAYS while it
// stays out (shared/app/overdue.ts). Runs now with POST /admin/functions/overdue-scan.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { scanOverdue } from '../shared/app/overdue';
import { appDeps } from './lib/composition';
import { appConfig } from './lib/settings';
import { logEvent } from './lib/telemetry';

async function overdueScan(_timer: Timer, context: InvocationContext): Promise<void> {
  const { overdue, markedOverdue, dueSoon, reminders, checked } = await scanOverdue(appDeps());
  // The dashboard's "Loans overdue" tile reads this line (infra/README.md, "What the app emits").
  logEvent(context, { event: 'overdue.scanned', overdue, markedOverdue, dueSoon, reminders, checked });
}

app.timer('overdue-scan', { schedule: appConfig().overdueSchedule, handler: overdueScan });
