// The webhook notice channel: POSTs each notice as JSON to one URL (NOTICE_WEBHOOK_URL), such as a
// messenger bot or a Logic App. Any answer but 2xx, or none within the timeout, is a failed delivery:
// the caller throws and Service Bus delivers the notice again (then dead-letters it). A notice may be
// POSTed again after a crash between the POST and its record, so it carries its id (also as the
// `Idempotency-Key` header) for the far side to drop a repeat.
import type { NoticeChannel, NoticeDelivery } from './app/ports';

const TIMEOUT_MS = 10_000;

export function webhookChannel(url: string, timeoutMs = TIMEOUT_MS): NoticeChannel {
  return {
    name: 'webhook',
    async deliver(notice: NoticeDelivery): Promise<void> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': notice.id },
          body: JSON.stringify(notice),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new Error(`The notice webhook could not be reached: ${(err as Error).message}`);
      }
      // Drain the answer so the connection is reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`The notice webhook answered ${response.status}.`);
    },
  };
}
