// The contract between the local host and its extensions (one per Azure service it stands in for).
// The host knows nothing of any business domain; extensions know nothing of each other.
import type { Database } from 'better-sqlite3';
import type { Clock } from './clock';
import type { HostKeys } from './keys';
import type { Logger } from './logger';

/** A binding as the Functions worker sees it (`@azure/functions` builds these from `app.*` options). */
export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [option: string]: unknown;
}

export interface RetryOptions {
  maxRetryCount: number;
  retryStrategy: 'fixedDelay' | 'exponentialBackoff';
  delayInterval?: { seconds?: number; nanos?: number };
  minimumInterval?: { seconds?: number; nanos?: number };
  maximumInterval?: { seconds?: number; nanos?: number };
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: RetryOptions;
}

/** One function registered by the app, as captured through `@azure/functions-core`. */
export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: FunctionMetadata;
  /** The trigger binding's name and info (exactly one per function). */
  readonly trigger: { readonly name: string; readonly binding: BindingInfo };
}

/** RPC typed data, as exchanged between the Functions host and a language worker. */
export interface TypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: unknown;
  collectionString?: { string: string[] };
  collectionBytes?: { bytes: Uint8Array[] };
  collectionDouble?: { double: number[] };
  collectionSint64?: { sint64: number[] };
}

export interface InvokeOptions {
  /** The trigger's value. Plain JS values are converted to typed data (objects as JSON). */
  trigger: unknown;
  /** Set when `trigger` is already typed data (e.g. RPC HTTP). */
  triggerIsTypedData?: boolean;
  /** Trigger metadata (PascalCase or camelCase keys, as the Functions host sends them). */
  triggerMetadata?: Record<string, unknown>;
  retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
  invocationId?: string;
  /** What binding expressions resolve against (`binding-data.ts`); by default the trigger's metadata and properties. */
  bindingData?: Readonly<Record<string, unknown>>;
}

export interface InvokeResult {
  invocationId: string;
  /** The function's return value as the worker sent it back (already decoded from typed data). */
  returnValue: unknown;
  /** The same, as the typed data itself: a string stays a string (the decoded value parses JSON text). */
  returnData: TypedData | undefined;
  /** Output binding values by binding name (decoded), already handed to their extensions. */
  outputs: Record<string, unknown>;
  /** What the handler returned (as the postInvocation hooks left it), before any conversion. */
  result?: unknown;
}

/** Runs functions through the real `@azure/functions` programming model, as the Node worker does. */
export interface Worker {
  readonly functions: ReadonlyMap<string, RegisteredFunction>;
  /** Invoke a function. Rejects with the handler's error when it throws. */
  invoke(functionName: string, options: InvokeOptions): Promise<InvokeResult>;
}

/** A request to one of the host's own routes (durable API, admin API, ...). */
export interface InternalRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The client's address, when the request came over a socket. */
  remoteAddress?: string;
}

export interface InternalResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
}

export type InternalHandler = (req: InternalRequest) => Promise<InternalResponse> | InternalResponse;

/** The host's own HTTP routes, served beside the app's (never under the app's route prefix). */
export interface InternalRoutes {
  /** `template` uses Functions route syntax: `runtime/webhooks/durabletask/instances/{id}`. */
  add(method: string, template: string, handler: InternalHandler): void;
}

/** host.json, as much of it as the host reads. */
export interface HostJson {
  version?: string;
  extensions?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

/** Everything an extension gets from the host. */
export interface HostContext {
  readonly db: Database;
  readonly clock: Clock;
  readonly worker: Worker;
  readonly log: Logger;
  readonly hostJson: HostJson;
  /** The function app's folder (where its host.json and package.json are). */
  readonly appDir: string;
  /** App settings: process.env overlaid on local.settings.json `Values`. */
  readonly settings: Readonly<Record<string, string | undefined>>;
  readonly routes: InternalRoutes;
  /** `http://127.0.0.1:<port>` once listening. */
  baseUrl(): string;
  /** Dev features (controllable clock) on. */
  readonly dev: boolean;
  /** The host's master and system keys. */
  readonly keys: HostKeys;
  /**
   * The key check the HTTP server applies to the host route registered as `template`, for requests
   * that reach a host route without crossing a socket: a refusal (401), or undefined.
   */
  authorize(
    template: string,
    req: Pick<InternalRequest, 'method' | 'query' | 'headers'>,
  ): InternalResponse | undefined;
  /**
   * True on the host's main thread (HTTP, the durable task hub, the host's upkeep), false on a
   * consumer thread (`thread-plan.ts`), which loads the same app and extensions for its consumers.
   */
  readonly mainThread: boolean;
  /** Whether this thread runs `fn`'s trigger: an extension starts consumers only for these. */
  runsHere(fn: RegisteredFunction): boolean;
}

export interface HostExtension {
  readonly name: string;
  /** Trigger binding types this extension drives, e.g. `timerTrigger`. */
  readonly triggerTypes: readonly string[];
  readonly inputTypes?: readonly string[];
  readonly outputTypes?: readonly string[];
  /** Called once for each function whose trigger type is in `triggerTypes`, before `start`. */
  addFunction?(fn: RegisteredFunction): void;
  /** Value of an input binding of a type in `inputTypes`, for one invocation (`data`: its binding data). */
  input?(
    fn: RegisteredFunction,
    bindingName: string,
    binding: BindingInfo,
    data: Readonly<Record<string, unknown>>,
  ): unknown;
  /** Checks a non-trigger binding of `fn` at start-up; throws the reason the function cannot run. */
  checkBinding?(fn: RegisteredFunction, binding: BindingInfo): void;
  /** An output binding's value after a successful invocation (type in `outputTypes`). */
  output?(
    fn: RegisteredFunction,
    bindingName: string,
    binding: BindingInfo,
    value: unknown,
  ): void | Promise<void>;
  /**
   * `POST /admin/functions/{name}` with `{"input": ...}`: run the function now, as the Functions host
   * does. `input` is the trigger value the admin route made of the given input (`admin-routes.ts`),
   * or the input itself for a trigger that takes none (a timer).
   */
  runNow?(fn: RegisteredFunction, input: unknown): Promise<void>;
  /** Extra words for the start-up listing, e.g. the schedule or hub name. */
  describe?(fn: RegisteredFunction): string;
  start?(): void | Promise<void>;
  /** Stop delivering; finish or abandon what is in flight. */
  stop?(): void | Promise<void>;
}

export type ExtensionFactory = (host: HostContext) => HostExtension;

export type { Database };
