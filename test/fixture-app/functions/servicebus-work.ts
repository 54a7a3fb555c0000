// Queue work for the crash test: the first delivery of each message never finishes (it waits for
// a release that does not come, so a killed host dies holding the lock); a later delivery records
// its effect once per message id, however often it runs.
import { app, type InvocationContext } from '@azure/functions';
import type { Database } from 'better-sqlite3';
import { getService } from '../../../local/host/services';
import { count, readProbe, record } from '../probe';

app.serviceBusQueue('sbWork', {
  queueName: 'fx-work',
  connection: 'ServiceBusConnection',
  handler: async (message: { id: string }, context: InvocationContext) => {
    count('sb:work');
    const deliveryCount = context.triggerMetadata?.deliveryCount as number;
    if (deliveryCount === 1) {
      record('sb:work:started', message.id);
      const db = getService<Database>('db');
      while (readProbe(db, 'sb:work:release').length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    record('sb:work:effect', message.id, message.id);
  },
});
