// A small AMQP 1.0 broker on rhea that plays Event Hubs and Service Bus for the Azure SDKs in tests
// (no such broker is published on npm). It answers what the SDKs use, as the services do:
//  - SASL ANONYMOUS on plain TCP (connection strings with `UseDevelopmentEmulator=true`);
//  - CBS `put-token` on `$cbs` (202);
//  - Event Hubs: `$management` READ of hub and partition properties; sends to `<hub>` (placed by the
//    `x-opt-partition-key` annotation) or `<hub>/Partitions/<n>`, batched (message format 0x80013700)
//    or single; partition receivers on `<hub>/ConsumerGroups/<cg>/Partitions/<n>` positioned by the
//    `apache.org:selector-filter:string` filter, each event annotated with `x-opt-sequence-number`,
//    `x-opt-offset` (a string) and `x-opt-enqueued-time`;
//  - Service Bus: links with `max_message_size`; sends (batched or single; `x-opt-scheduled-enqueue-time`
//    delays a message); peek-lock receivers on `<queue>` and `<queue>/$DeadLetterQueue` with unsettled
//    deliveries whose tag is the lock token; complete / abandon / dead-letter by disposition or by
//    `<queue>/$management` `update-disposition`; `renew-lock`; lock expiry and `maxDeliveryCount`.
// Everything lives in memory and on a free port of 127.0.0.1; `close()` stops it.
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import rhea, {
  type Connection,
  type Delivery,
  type EventContext,
  type Message,
  type Receiver,
  type Sender,
} from 'rhea';

const BATCH_FORMAT = 0x80013700;
const MAX_MESSAGE_SIZE = 1024 * 1024;

export interface BrokerOptions {
  eventHubs?: Record<string, { partitionCount: number }>;
  queues?: Record<string, { lockDurationMs?: number; maxDeliveryCount?: number }>;
}

export interface BrokerEvent {
  partitionId: string;
  sequenceNumber: number;
  offset: number;
  enqueuedTime: Date;
  partitionKey?: string;
  message: Message;
}

interface QueueMessage {
  sequenceNumber: number;
  message: Message;
  enqueuedTime: Date;
  visibleAt: number;
  /** Deliveries so far. */
  deliveries: number;
  lock?: { token: Buffer; until: number; timer: NodeJS.Timeout; sender: Sender; delivery: Delivery };
  deadLetter?: { reason?: string; description?: string };
}

interface QueueState {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  active: QueueMessage[];
  deadLettered: QueueMessage[];
  nextSequence: number;
}

/** What the tests see: every request the broker answered, by operation. */
export type Operation =
  | 'put-token'
  | 'eventhub-read'
  | 'partition-read'
  | 'batched-send'
  | 'selector-filter'
  | 'renew-lock'
  | 'update-disposition'
  | 'dead-letter';

const stripHost = (address: string): string => address.replace(/^[a-z]+:\/\/[^/]+\//i, '');

function hashPartition(key: string, count: number): number {
  let h = 0;
  for (const ch of key) h = (Math.imul(h, 31) + (ch.codePointAt(0) ?? 0)) >>> 0;
  return h % count;
}

/** The string of a selector filter, wherever rhea put it in the decoded source filter map. */
function selectorString(filter: unknown): string | undefined {
  if (typeof filter === 'string') return /amqp\.annotation\./.test(filter) ? filter : undefined;
  if (filter && typeof filter === 'object') {
    for (const v of Object.values(filter as Record<string, unknown>)) {
      const s = selectorString(v);
      if (s) return s;
    }
  }
  return undefined;
}

/** Both byte orders of a lock token: the SDK reorders the first eight bytes (.NET GUID layout). */
function tokenKeys(token: Buffer): string[] {
  const r = Buffer.from([
    token[3],
    token[2],
    token[1],
    token[0],
    token[5],
    token[4],
    token[7],
    token[6],
    ...token.subarray(8),
  ]);
  return [token.toString('hex'), r.toString('hex')];
}

export class TestBroker {
  readonly operations = new Map<Operation, number>();
  private readonly hubs = new Map<string, { partitions: BrokerEvent[][] }>();
  private readonly queues = new Map<string, QueueState>();
  private readonly consumers = new Set<{ sender: Sender; hub: string; partition: number; next: number }>();
  private readonly queueReceivers = new Set<{ sender: Sender; queue: QueueState; deadLetter: boolean }>();
  private readonly connections = new Set<Connection>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: BrokerOptions,
  ) {}

  static async start(options: BrokerOptions = {}): Promise<TestBroker> {
    const container = rhea.create_container({ id: 'rentbook-test-broker' });
    container.sasl_server_mechanisms.enable_anonymous();
    const server = container.listen({ port: 0, host: '127.0.0.1' }) as unknown as Server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const broker = new TestBroker(server, (server.address() as AddressInfo).port, options);
    for (const [name, hub] of Object.entries(options.eventHubs ?? {}))
      broker.hubs.set(name, { partitions: Array.from({ length: hub.partitionCount }, () => []) });
    for (const name of Object.keys(options.queues ?? {})) broker.queue(name);
    container.on('connection_open', (ctx: EventContext) => broker.connections.add(ctx.connection));
    container.on('connection_close', (ctx: EventContext) => broker.connections.delete(ctx.connection));
    container.on('disconnected', (ctx: EventContext) => {
      broker.connections.delete(ctx.connection);
      broker.dropLinksOf(ctx.connection);
    });
    container.on('receiver_open', (ctx: EventContext) => broker.onReceiverOpen(ctx.receiver!));
    container.on('sender_open', (ctx: EventContext) => broker.onSenderOpen(ctx.sender!));
    container.on('message', (ctx: EventContext) => broker.onMessage(ctx));
    container.on('sendable', (ctx: EventContext) => broker.pumpSender(ctx.sender!));
    container.on('accepted', (ctx: EventContext) => broker.settle(ctx.delivery!, 'complete'));
    container.on('released', (ctx: EventContext) => broker.settle(ctx.delivery!, 'abandon'));
    container.on('rejected', (ctx: EventContext) => broker.settle(ctx.delivery!, 'dead-letter'));
    container.on('sender_close', (ctx: EventContext) => broker.dropSender(ctx.sender!));
    container.on('error', () => undefined);
    return broker;
  }

  /** A connection string the SDKs accept for this broker (the key is a placeholder it ignores). */
  connectionString(): string {
    return `Endpoint=sb://127.0.0.1:${this.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
  }

  /** Events stored in a hub, by partition. */
  events(hub: string): BrokerEvent[][] {
    return this.hubs.get(hub)?.partitions ?? [];
  }

  count(op: Operation): number {
    return this.operations.get(op) ?? 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const q of this.queues.values()) for (const m of q.active) if (m.lock) clearTimeout(m.lock.timer);
    for (const c of this.connections) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- links

  private onReceiverOpen(receiver: Receiver): void {
    // What the client sends to: the broker states the largest message it takes.
    (
      receiver as unknown as { local: { attach: { max_message_size: number } } }
    ).local.attach.max_message_size = MAX_MESSAGE_SIZE;
  }

  private onSenderOpen(sender: Sender): void {
    (sender as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size =
      MAX_MESSAGE_SIZE;
    const attach = (
      sender as unknown as { remote: { attach: { source?: { address?: string; filter?: unknown } } } }
    ).remote.attach;
    const address = stripHost(attach.source?.address ?? '');
    const consumer = /^([^/]+)\/ConsumerGroups\/[^/]+\/Partitions\/(\d+)$/i.exec(address);
    if (consumer) {
      const [, hub, partition] = consumer;
      const events = this.hubs.get(hub)?.partitions[Number(partition)];
      if (!events) {
        sender.close({ condition: 'amqp:not-found', description: `No partition ${partition} in ${hub}.` });
        return;
      }
      this.consumers.add({
        sender,
        hub,
        partition: Number(partition),
        next: this.startIndex(events, attach.source?.filter),
      });
      return;
    }
    const queue = /^([^/$]+)(\/\$DeadLetterQueue)?$/i.exec(address);
    if (queue && !address.startsWith('$') && this.queueFor(queue[1])) {
      this.queueReceivers.add({ sender, queue: this.queue(queue[1]), deadLetter: queue[2] !== undefined });
    }
  }

  private startIndex(events: BrokerEvent[], filter: unknown): number {
    const selector = selectorString(filter);
    if (!selector) return 0;
    this.bump('selector-filter');
    const m = /amqp\.annotation\.x-opt-(offset|sequence-number|enqueued-time)\s*(>=|>)\s*'?(-?\d+)'?/.exec(
      selector,
    );
    if (!m) return 0;
    const [, field, op, raw] = m;
    const value = Number(raw);
    const key = (e: BrokerEvent) =>
      field === 'offset'
        ? e.offset
        : field === 'sequence-number'
          ? e.sequenceNumber
          : e.enqueuedTime.getTime();
    const index = events.findIndex((e) => (op === '>' ? key(e) > value : key(e) >= value));
    return index === -1 ? events.length : index;
  }

  private dropSender(sender: Sender): void {
    for (const c of this.consumers) if (c.sender === sender) this.consumers.delete(c);
    for (const r of this.queueReceivers) if (r.sender === sender) this.queueReceivers.delete(r);
  }

  private dropLinksOf(connection: Connection): void {
    for (const c of this.consumers) if (c.sender.connection === connection) this.consumers.delete(c);
    for (const r of this.queueReceivers)
      if (r.sender.connection === connection) this.queueReceivers.delete(r);
  }

  // ---- incoming messages

  private onMessage(ctx: EventContext): void {
    const receiver = ctx.receiver!;
    // rhea hands over a message of another format (a batch) undecoded.
    const format = (ctx as unknown as { format?: number }).format ?? 0;
    const message = (
      Buffer.isBuffer(ctx.message) ? rhea.message.decode(ctx.message as unknown as Buffer) : ctx.message
    ) as Message;
    const target = stripHost(
      (receiver as unknown as { remote: { attach: { target?: { address?: string } } } }).remote.attach.target
        ?.address ?? '',
    );
    if (target === '$cbs')
      return this.reply(ctx, message, { status: 202, description: 'Accepted', statusKey: 'status-code' });
    if (target === '$management') return this.eventHubManagement(ctx, message);
    const management = /^(.+)\/\$management$/i.exec(target);
    if (management) return this.queueManagement(ctx, message, management[1]);

    const messages = format === BATCH_FORMAT ? this.unbatch(message) : [message];
    const partitionLink = /^([^/]+)\/Partitions\/(\d+)$/i.exec(target);
    const hubName = partitionLink ? partitionLink[1] : target;
    if (this.hubs.has(hubName)) {
      this.appendEvents(hubName, messages, partitionLink ? Number(partitionLink[2]) : undefined);
      return;
    }
    if (this.queueFor(target)) {
      this.enqueue(this.queue(target), messages);
      return;
    }
    ctx.delivery!.reject({ condition: 'amqp:not-found', description: `No entity "${target}".` });
  }

  private unbatch(envelope: Message): Message[] {
    this.bump('batched-send');
    const body = envelope.body as { content: Buffer | Buffer[]; multiple?: boolean };
    const parts = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
    return parts.map((p) => rhea.message.decode(p) as unknown as Message);
  }

  private reply(
    ctx: EventContext,
    request: Message,
    answer: { status: number; description: string; body?: unknown; statusKey: 'status-code' | 'statusCode' },
  ): void {
    const { status, description, body, statusKey } = answer;
    const replyTo = request.reply_to;
    const connection = ctx.connection;
    const sender = this.responseLink(connection, replyTo);
    if (request.application_properties?.operation === 'put-token') this.bump('put-token');
    if (!sender) return;
    sender.send({
      correlation_id: request.message_id,
      application_properties: {
        [statusKey]: status,
        [statusKey === 'status-code' ? 'status-description' : 'statusDescription']: description,
      },
      body: body ?? null,
    });
  }

  private responseLink(connection: Connection, replyTo: string | undefined): Sender | undefined {
    return (
      connection as unknown as { find_sender(f: (s: Sender) => boolean): Sender | undefined }
    ).find_sender((s: Sender) => {
      const a = (s as unknown as { remote: { attach?: { target?: { address?: string } } } }).remote.attach;
      // Azure's clients name the reply link by its link name; other clients by its target address.
      return s.name === replyTo || a?.target?.address === replyTo;
    });
  }

  // ---- Event Hubs

  private eventHubManagement(ctx: EventContext, request: Message): void {
    const props = request.application_properties ?? {};
    const hub = this.hubs.get(String(props.name));
    if (props.operation !== 'READ' || !hub)
      return this.reply(ctx, request, {
        status: 404,
        description: `No hub "${String(props.name)}".`,
        statusKey: 'status-code',
      });
    if (props.type === 'com.microsoft:eventhub') {
      this.bump('eventhub-read');
      return this.reply(ctx, request, {
        status: 200,
        description: 'OK',
        body: {
          name: props.name,
          type: props.type,
          created_at: new Date(0),
          partition_count: hub.partitions.length,
          partition_ids: hub.partitions.map((_, i) => String(i)),
        },
        statusKey: 'status-code',
      });
    }
    const events = hub.partitions[Number(props.partition)];
    if (!events)
      return this.reply(ctx, request, {
        status: 404,
        description: 'No such partition.',
        statusKey: 'status-code',
      });
    this.bump('partition-read');
    const last = events[events.length - 1];
    this.reply(ctx, request, {
      status: 200,
      description: 'OK',
      body: {
        name: props.name,
        type: props.type,
        partition: String(props.partition),
        begin_sequence_number: events[0]?.sequenceNumber ?? 0,
        last_enqueued_sequence_number: last?.sequenceNumber ?? -1,
        last_enqueued_offset: String(last?.offset ?? -1),
        last_enqueued_time_utc: last?.enqueuedTime ?? new Date(0),
        is_partition_empty: events.length === 0,
      },
      statusKey: 'status-code',
    });
  }

  private appendEvents(hubName: string, messages: Message[], partition: number | undefined): void {
    const hub = this.hubs.get(hubName)!;
    let roundRobin = 0;
    for (const message of messages) {
      const key = message.message_annotations?.['x-opt-partition-key'] as string | undefined;
      const p =
        partition ??
        (key !== undefined
          ? hashPartition(key, hub.partitions.length)
          : roundRobin++ % hub.partitions.length);
      const events = hub.partitions[p];
      const sequenceNumber = events.length;
      events.push({
        partitionId: String(p),
        sequenceNumber,
        offset: sequenceNumber,
        enqueuedTime: new Date(),
        ...(key !== undefined ? { partitionKey: key } : {}),
        message,
      });
    }
    for (const c of this.consumers) if (c.hub === hubName) this.pumpSender(c.sender);
  }

  // ---- Service Bus

  private queueFor(name: string): boolean {
    return this.queues.has(name) || name in (this.options.queues ?? {});
  }

  private queue(name: string): QueueState {
    let q = this.queues.get(name);
    if (!q) {
      const o = this.options.queues?.[name] ?? {};
      q = {
        name,
        lockDurationMs: o.lockDurationMs ?? 60_000,
        maxDeliveryCount: o.maxDeliveryCount ?? 10,
        active: [],
        deadLettered: [],
        nextSequence: 1,
      };
      this.queues.set(name, q);
    }
    return q;
  }

  private enqueue(q: QueueState, messages: Message[]): void {
    const now = Date.now();
    for (const message of messages) {
      const scheduled = message.message_annotations?.['x-opt-scheduled-enqueue-time'] as
        Date | number | undefined;
      const visibleAt = scheduled === undefined ? now : new Date(scheduled).getTime();
      q.active.push({
        sequenceNumber: q.nextSequence++,
        message,
        enqueuedTime: new Date(now),
        visibleAt,
        deliveries: 0,
      });
      if (visibleAt > now) this.later(visibleAt - now, () => this.pumpQueue(q));
    }
    this.pumpQueue(q);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private pumpQueue(q: QueueState): void {
    for (const r of this.queueReceivers) if (r.queue === q) this.pumpSender(r.sender);
  }

  private pumpSender(sender: Sender): void {
    for (const c of this.consumers) {
      if (c.sender !== sender) continue;
      const events = this.hubs.get(c.hub)!.partitions[c.partition];
      while (sender.sendable() && c.next < events.length) {
        const e = events[c.next++];
        sender.send({
          ...e.message,
          message_annotations: {
            ...e.message.message_annotations,
            'x-opt-sequence-number': e.sequenceNumber,
            'x-opt-offset': String(e.offset),
            'x-opt-enqueued-time': e.enqueuedTime,
            ...(e.partitionKey !== undefined ? { 'x-opt-partition-key': e.partitionKey } : {}),
          },
        });
      }
      return;
    }
    for (const r of this.queueReceivers) {
      if (r.sender !== sender) continue;
      const now = Date.now();
      const list = r.deadLetter ? r.queue.deadLettered : r.queue.active;
      for (const m of list) {
        if (!sender.sendable()) break;
        if (m.lock || m.visibleAt > now) continue;
        this.deliver(r.queue, m, sender, r.deadLetter);
      }
      return;
    }
  }

  private deliver(q: QueueState, m: QueueMessage, sender: Sender, deadLetter: boolean): void {
    const token = randomBytes(16);
    const until = Date.now() + q.lockDurationMs;
    const message: Message = {
      ...m.message,
      delivery_count: m.deliveries,
      message_annotations: {
        ...m.message.message_annotations,
        'x-opt-sequence-number': m.sequenceNumber,
        'x-opt-enqueued-time': m.enqueuedTime,
        'x-opt-locked-until': new Date(until),
      },
      ...(m.deadLetter
        ? {
            application_properties: {
              ...m.message.application_properties,
              ...(m.deadLetter.reason !== undefined ? { DeadLetterReason: m.deadLetter.reason } : {}),
              ...(m.deadLetter.description !== undefined
                ? { DeadLetterErrorDescription: m.deadLetter.description }
                : {}),
            },
          }
        : {}),
    };
    m.deliveries++;
    const delivery = sender.send(message, token);
    const timer = setTimeout(() => this.expireLock(q, m, token, deadLetter), q.lockDurationMs);
    timer.unref();
    m.lock = { token, until, timer, sender, delivery };
  }

  private expireLock(q: QueueState, m: QueueMessage, token: Buffer, deadLetter: boolean): void {
    if (!m.lock || !m.lock.token.equals(token)) return;
    m.lock = undefined;
    if (!deadLetter && m.deliveries >= q.maxDeliveryCount)
      this.moveToDeadLetter(q, m, 'MaxDeliveryCountExceeded');
    this.pumpQueue(q);
  }

  private findLocked(token: Buffer): { q: QueueState; m: QueueMessage; deadLetter: boolean } | undefined {
    const keys = tokenKeys(token);
    for (const q of this.queues.values()) {
      for (const [list, deadLetter] of [
        [q.active, false],
        [q.deadLettered, true],
      ] as const) {
        const m = list.find((x) => x.lock && keys.includes(x.lock.token.toString('hex')));
        if (m) return { q, m, deadLetter };
      }
    }
    return undefined;
  }

  private settle(delivery: Delivery, how: 'complete' | 'abandon' | 'dead-letter'): void {
    const tag = (delivery as unknown as { tag: Buffer }).tag;
    if (!Buffer.isBuffer(tag) || tag.length !== 16) return; // not a peek-lock delivery (e.g. an event)
    const error = (delivery as unknown as { remote_state?: { error?: { info?: Record<string, string> } } })
      .remote_state?.error;
    this.dispose(tag, how, error?.info?.DeadLetterReason, error?.info?.DeadLetterErrorDescription);
    // The receiver settles second (rcv-settle-mode second): it waits for the broker to settle.
    if (!delivery.remote_settled) {
      // The outcome goes on the wire as a described value, as rhea's own accept() sends it.
      type Outcome = () => { described(): never };
      const outcomes = rhea.message as unknown as Record<'accepted' | 'released' | 'rejected', Outcome>;
      const outcome = how === 'complete' ? 'accepted' : how === 'abandon' ? 'released' : 'rejected';
      delivery.update(true, outcomes[outcome]().described());
    }
  }

  /** Settles a locked message; false when no message holds that lock. */
  private dispose(
    token: Buffer,
    how: 'complete' | 'abandon' | 'dead-letter',
    reason?: string,
    description?: string,
  ): boolean {
    const found = this.findLocked(token);
    if (!found) return false;
    const { q, m, deadLetter } = found;
    clearTimeout(m.lock!.timer);
    m.lock = undefined;
    const list = deadLetter ? q.deadLettered : q.active;
    if (how === 'complete') list.splice(list.indexOf(m), 1);
    else if (how === 'dead-letter' && !deadLetter) this.moveToDeadLetter(q, m, reason, description);
    else if (!deadLetter && m.deliveries >= q.maxDeliveryCount)
      this.moveToDeadLetter(q, m, 'MaxDeliveryCountExceeded');
    this.pumpQueue(q);
    return true;
  }

  private moveToDeadLetter(q: QueueState, m: QueueMessage, reason?: string, description?: string): void {
    this.bump('dead-letter');
    q.active.splice(q.active.indexOf(m), 1);
    m.deadLetter = {
      ...(reason !== undefined ? { reason } : {}),
      ...(description !== undefined
        ? { description }
        : reason === 'MaxDeliveryCountExceeded'
          ? { description: `Message could not be consumed after ${q.maxDeliveryCount} delivery attempts.` }
          : {}),
    };
    q.deadLettered.push(m);
  }

  private queueManagement(ctx: EventContext, request: Message, entity: string): void {
    const operation = request.application_properties?.operation as string | undefined;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const tokens = ((body['lock-tokens'] as unknown[]) ?? []).map((t) =>
      Buffer.isBuffer(t) ? t : Buffer.from(rhea.string_to_uuid(String(t))),
    );
    if (operation === 'com.microsoft:renew-lock') {
      this.bump('renew-lock');
      const expirations: Date[] = [];
      for (const token of tokens) {
        const found = this.findLocked(token);
        if (!found)
          return this.reply(ctx, request, {
            status: 410,
            description: 'The lock was lost.',
            statusKey: 'statusCode',
          });
        const { q, m, deadLetter } = found;
        clearTimeout(m.lock!.timer);
        m.lock!.until = Date.now() + q.lockDurationMs;
        m.lock!.timer = setTimeout(() => this.expireLock(q, m, m.lock!.token, deadLetter), q.lockDurationMs);
        m.lock!.timer.unref();
        expirations.push(new Date(m.lock!.until));
      }
      return this.reply(ctx, request, {
        status: 200,
        description: 'OK',
        body: { expirations },
        statusKey: 'statusCode',
      });
    }
    if (operation === 'com.microsoft:update-disposition') {
      this.bump('update-disposition');
      const status = String(body['disposition-status']);
      const how = status === 'completed' ? 'complete' : status === 'suspended' ? 'dead-letter' : 'abandon';
      for (const token of tokens) {
        const ok = this.dispose(
          token,
          how,
          body['deadletter-reason'] as string | undefined,
          body['deadletter-description'] as string | undefined,
        );
        if (!ok)
          return this.reply(ctx, request, {
            status: 410,
            description: 'The lock was lost.',
            statusKey: 'statusCode',
          });
      }
      return this.reply(ctx, request, { status: 200, description: 'OK', statusKey: 'statusCode' });
    }
    this.reply(ctx, request, {
      status: 501,
      description: `${entity}: ${String(operation)} is not played by the test broker.`,
      statusKey: 'statusCode',
    });
  }

  private bump(op: Operation): void {
    this.operations.set(op, (this.operations.get(op) ?? 0) + 1);
  }
}
