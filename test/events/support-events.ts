// Reading the local event log through the dev host's admin route, as `npm run events` does.
import { call } from '../rentals/support-host';

export interface LoggedEvent {
  partitionId: string;
  sequenceNumber: number;
  partitionKey: string | null;
  messageId: string | null;
  body: {
    id: string;
    type: string;
    subject: string;
    time: string;
    specversion: string;
    source: string;
    datacontenttype: string;
    data: Record<string, unknown>;
  };
}

/** Every event of the hub, each partition in sequence order. */
export async function hubEvents(baseUrl: string, hub = 'rentbook-events'): Promise<LoggedEvent[]> {
  const first = await call<{ partitions: { partitionId: string }[] }>(
    baseUrl,
    'GET',
    `/admin/eventhubs/${hub}/events?limit=1`,
  );
  if (first.status === 404) return [];
  const all: LoggedEvent[] = [];
  for (const { partitionId } of first.body.partitions) {
    let from = 0;
    for (;;) {
      const page = await call<{ events: LoggedEvent[] }>(
        baseUrl,
        'GET',
        `/admin/eventhubs/${hub}/events?partition=${partitionId}&fromSequenceNumber=${from}&limit=1000`,
      );
      all.push(...page.body.events);
      if (page.body.events.length < 1000) break;
      from = page.body.events[page.body.events.length - 1].sequenceNumber + 1;
    }
  }
  return all;
}

/** The events about one subject (`rentals/<id>`), in the order the hub holds them. */
export function about(events: LoggedEvent[], subject: string): LoggedEvent[] {
  return events.filter((e) => e.body.subject === subject);
}
