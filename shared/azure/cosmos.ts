// The document-container port on Azure Cosmos DB (NoSQL API) through @azure/cosmos.
// Each operation reports its request charge (RU) to `onCharge`; the SDK retries throttled (429)
// requests by its policy, and a 429 that outlasts the retries reaches the app as the port's busy
// error (DocumentError 429), like every other status. A failed call's status is recovered however
// the SDK throws it (`failureOf`), and a batch's per-operation results go through the same rule as
// a whole request's status (`BUSY_STATUSES` throw, other failures are the operation's outcome).
import {
  ErrorResponse,
  TimeoutError,
  type CosmosDiagnostics,
  type Container,
  type CosmosClient,
  type ItemDefinition,
  type JSONObject,
  type OperationInput,
  type PatchOperation as CosmosPatchOperation,
  type RequestOptions,
} from '@azure/cosmos';
import {
  BUSY_STATUSES,
  DocumentError,
  type BatchOperation,
  type BatchResult,
  type Doc,
  type DocumentContainer,
  type Page,
  type PatchOperation,
  type PatchOptions,
  type QuerySpec,
  type Stored,
  type WriteOptions,
} from '../app/ports';
import type { ContainerSource, ContainerSpec } from '../injected-adapters';
import { patchConditionSql, querySql } from './cosmos-sql';

export interface CosmosSourceOptions {
  /**
   * Create missing databases and containers on first use: for emulators. In Azure the deployment
   * declares them (an identity with data-plane roles cannot create containers).
   */
  createIfNotExists: boolean;
  /** Called with each operation's request charge (RU). */
  onCharge?: (operation: string, requestUnits: number) => void;
}

const MAX_BATCH_OPERATIONS = 100;
const MAX_PAGE = 1000;

/** Containers of one Cosmos DB account, reached through `client`. */
export function cosmosContainerSource(client: CosmosClient, options: CosmosSourceOptions): ContainerSource {
  const databases = new Map<string, Promise<void>>();
  const ensureDatabase = (id: string): Promise<void> => {
    let ready = databases.get(id);
    if (!ready) {
      ready = client.databases.createIfNotExists({ id }).then(() => undefined);
      ready.catch(() => databases.delete(id)); // try again on the next call
      databases.set(id, ready);
    }
    return ready;
  };
  return {
    open(databaseId, settings) {
      const container = client.database(databaseId).container(settings.id);
      const ready = options.createIfNotExists
        ? () =>
            ensureDatabase(databaseId).then(() =>
              client
                .database(databaseId)
                .containers.createIfNotExists({
                  id: settings.id,
                  partitionKey: { paths: [settings.partitionKeyPath] },
                  ...(settings.defaultTtl !== undefined ? { defaultTtl: settings.defaultTtl } : {}),
                })
                .then(() => undefined),
            )
        : () => Promise.resolve();
      return new CosmosContainer(container, settings, once(ready), options.onCharge);
    },
  };
}

/** Runs `fn` once successfully; a failure is retried on the next call. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn().catch((err: unknown) => {
      done = undefined;
      throw err;
    });
    return done;
  };
}

function ifMatch(options: WriteOptions | undefined): RequestOptions {
  return options?.ifMatch !== undefined
    ? { accessCondition: { type: 'IfMatch', condition: options.ifMatch } }
    : {};
}

function toCosmosPatch(operations: PatchOperation[]): CosmosPatchOperation[] {
  return operations.map((o) => ({ ...o }) as CosmosPatchOperation);
}

class CosmosContainer implements DocumentContainer {
  constructor(
    private readonly container: Container,
    private readonly settings: ContainerSpec,
    private readonly ready: () => Promise<void>,
    private readonly onCharge: ((operation: string, requestUnits: number) => void) | undefined,
  ) {}

  read<T extends Doc>(partitionKey: string, id: string): Promise<Stored<T> | undefined> {
    return this.run('read', async () => {
      const res = await this.container.item(id, partitionKey).read<T & ItemDefinition>();
      return { charge: res.requestCharge, value: res.resource as Stored<T> | undefined };
    });
  }

  create<T extends Doc>(doc: T): Promise<Stored<T>> {
    return this.run('create', async () => {
      const res = await this.container.items.create<T & ItemDefinition>(doc as T & ItemDefinition);
      return { charge: res.requestCharge, value: res.resource as Stored<T> };
    });
  }

  replace<T extends Doc>(
    partitionKey: string,
    id: string,
    doc: T,
    options?: WriteOptions,
  ): Promise<Stored<T>> {
    return this.run('replace', async () => {
      if (doc.id !== id) throw new DocumentError(400, `The document's id "${doc.id}" is not "${id}".`);
      const res = await this.container
        .item(id, partitionKey)
        .replace<T & ItemDefinition>(doc as T & ItemDefinition, ifMatch(options));
      return { charge: res.requestCharge, value: res.resource as Stored<T> };
    });
  }

  upsert<T extends Doc>(doc: T, options?: WriteOptions): Promise<Stored<T>> {
    return this.run('upsert', async () => {
      const res = await this.container.items.upsert<T & ItemDefinition>(
        doc as T & ItemDefinition,
        ifMatch(options),
      );
      return { charge: res.requestCharge, value: res.resource as Stored<T> };
    });
  }

  delete(partitionKey: string, id: string, options?: WriteOptions): Promise<void> {
    return this.run('delete', async () => {
      const res = await this.container.item(id, partitionKey).delete(ifMatch(options));
      return { charge: res.requestCharge, value: undefined };
    });
  }

  patch<T extends Doc>(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): Promise<Stored<T>> {
    return this.run('patch', async () => {
      const body = {
        operations: toCosmosPatch(operations),
        ...(options?.condition?.length ? { condition: patchConditionSql(options.condition) } : {}),
      };
      const res = await this.container
        .item(id, partitionKey)
        .patch<T & ItemDefinition>(body, ifMatch(options));
      return { charge: res.requestCharge, value: res.resource as Stored<T> };
    });
  }

  batch(partitionKey: string, operations: BatchOperation[]): Promise<BatchResult[]> {
    return this.run('batch', async () => {
      if (operations.length === 0) throw new DocumentError(400, 'A batch needs operations.');
      if (operations.length > MAX_BATCH_OPERATIONS)
        throw new DocumentError(
          400,
          `A batch has at most ${MAX_BATCH_OPERATIONS} operations (got ${operations.length}).`,
        );
      const res = await this.container.items.batch(operations.map(toCosmosOperation), partitionKey);
      const results = (res.result ?? []).map((r): BatchResult => ({
        statusCode: r.statusCode,
        ...(r.resourceBody !== undefined ? { resourceBody: r.resourceBody as Record<string, unknown> } : {}),
      }));
      if (results.length !== operations.length)
        throw new DocumentError(
          res.code ?? 500,
          `The batch answered ${results.length} results for ${operations.length} operations.`,
        );
      // An operation answered busy (throttled, timed out) or a server error: the batch did not fail
      // because of what it asked, so that status is raised as it would be for the whole request.
      const busy = results.findIndex((r) => isRequestFailure(r.statusCode));
      if (busy >= 0)
        throw new DocumentError(
          results[busy].statusCode,
          `Cosmos DB batch on ${this.settings.id}: operation ${busy} answered ${results[busy].statusCode}.`,
        );
      return { charge: res.headers?.['x-ms-request-charge'] ?? 0, value: results };
    });
  }

  query<T extends Doc>(spec: QuerySpec): Promise<Page<T>> {
    return this.run('query', async () => {
      const limit = spec.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1)
        throw new DocumentError(400, `Invalid page size ${String(limit)}.`);
      const iterator = this.container.items.query<Stored<T>>(querySql(spec), {
        maxItemCount: Math.min(limit, MAX_PAGE),
        // A cross-partition query (ORDER BY included) hands out continuation tokens only under query
        // control (@azure/cosmos 4.9); a single-partition one always does.
        ...(spec.partitionKey !== undefined
          ? { partitionKey: spec.partitionKey }
          : { enableQueryControl: true }),
        ...(spec.continuation !== undefined ? { continuationToken: spec.continuation } : {}),
      });
      // A page may come back empty with more to read (the service stopped early); read on until
      // items arrive or the query ends, so an empty page always means "no more".
      let charge = 0;
      for (;;) {
        const page = await iterator.fetchNext();
        charge += page.requestCharge;
        const continuation = page.continuationToken ?? undefined;
        if (page.resources.length > 0 || continuation === undefined || !page.hasMoreResults)
          return {
            charge,
            value: {
              items: page.resources,
              ...(continuation !== undefined && page.hasMoreResults ? { continuation } : {}),
            },
          };
      }
    });
  }

  private async run<R>(
    operation: string,
    op: () => Promise<{ charge: number | string; value: R }>,
  ): Promise<R> {
    try {
      await this.ready();
      const { charge, value } = await op();
      this.report(operation, Number(charge));
      return value;
    } catch (err) {
      if (err instanceof ErrorResponse)
        this.report(operation, Number(err.requestCharge ?? err.headers?.['x-ms-request-charge'] ?? 0));
      const failure = failureOf(err);
      if (failure === undefined) throw err;
      throw new DocumentError(
        failure.status,
        `Cosmos DB ${operation} on ${this.settings.id}: ${firstLine(failure.detail)}`,
      );
    }
  }

  private report(operation: string, requestUnits: number): void {
    if (Number.isFinite(requestUnits)) this.onCharge?.(`${this.settings.id}.${operation}`, requestUnits);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].slice(0, 300);
}

/** A status that is not an operation's own outcome: busy (`BUSY_STATUSES`) or a server error. */
function isRequestFailure(status: number): boolean {
  return BUSY_STATUSES.includes(status) || status >= 500;
}

// @azure/cosmos 4.9 (Items.batch) rethrows a failed batch request as `new Error("Batch request error:
// " + message)`: the status, substatus and headers are dropped. The diagnostics it attaches record
// every attempt's answer (statusCode of each gateway call), and a timed-out attempt, which has no
// answer, keeps the SDK's TimeoutError message ("Timeout Error! Request took more than ...").
const BATCH_ERROR = /^Batch request error: /;
const TIMEOUT_MESSAGE = /Timeout Error!/;

/** The status a failed SDK call carries, however the SDK threw it; undefined for anything else. */
function failureOf(err: unknown): { status: number; detail: string } | undefined {
  if (err instanceof ErrorResponse) {
    const status = typeof err.code === 'number' ? err.code : Number(err.code);
    return { status: Number.isInteger(status) ? status : 500, detail: err.message };
  }
  if (err instanceof TimeoutError) return { status: 408, detail: err.message };
  if (!(err instanceof Error) || !BATCH_ERROR.test(err.message)) return undefined;
  if (TIMEOUT_MESSAGE.test(err.message)) return { status: 408, detail: err.message };
  const diagnostics = (err as { diagnostics?: CosmosDiagnostics }).diagnostics;
  const answers = diagnostics?.clientSideRequestStatistics.gatewayStatistics ?? [];
  const last = answers.filter((g) => g.operationType === 'batch' && g.statusCode !== undefined).pop();
  return { status: last?.statusCode ?? 500, detail: err.message };
}

function toCosmosOperation(op: BatchOperation): OperationInput {
  const match = (etag: string | undefined) => (etag !== undefined ? { ifMatch: etag } : {});
  const body = (doc: Doc & Record<string, unknown>) => doc as JSONObject;
  switch (op.operationType) {
    case 'Create':
      return { operationType: 'Create', resourceBody: body(op.resourceBody) };
    case 'Upsert':
      return { operationType: 'Upsert', resourceBody: body(op.resourceBody), ...match(op.ifMatch) };
    case 'Replace':
      return {
        operationType: 'Replace',
        id: op.id,
        resourceBody: body(op.resourceBody),
        ...match(op.ifMatch),
      };
    case 'Delete':
      return { operationType: 'Delete', id: op.id, ...match(op.ifMatch) };
    case 'Read':
      return { operationType: 'Read', id: op.id };
    case 'Patch':
      return {
        operationType: 'Patch',
        id: op.id,
        resourceBody: {
          operations: toCosmosPatch(op.operations),
          ...(op.condition?.length ? { condition: patchConditionSql(op.condition) } : {}),
        },
        ...match(op.ifMatch),
      };
    default:
      throw new DocumentError(
        400,
        `Unknown batch operation "${String((op as BatchOperation).operationType)}".`,
      );
  }
}
