// Service Bus queue `notifications` → the member's inbox, and the webhook when NOTICE_WEBHOOK_URL is
// set (shared/app/notices.ts). A failure throws: Service Bus delivers the message again and, past the
// queue's max delivery count, dead-letters it (list and replay: /api/notices/dead-letters).
import { app, type InvocationContext } from '@azure/functions';
import { deliverNotice, NOTICES_QUEUE } from '../shared/app/notices';
import { appDeps, appNoticeChannels } from './lib/composition';

async function noticesSend(message: unknown, _context: InvocationContext): Promise<void> {
  await deliverNotice(appDeps(), appNoticeChannels(), message);
}

app.serviceBusQueue('notices-send', {
  connection: 'ServiceBusConnection',
  queueName: NOTICES_QUEUE,
  handler: noticesSend,
});
