// The seam the Azure Functions Node worker offers to `@azure/functions`: the library `require`s
// '@azure/functions-core' and calls registerFunction/setProgrammingModel/registerHook/log on it.
// Outside the worker that module does not exist; we provide it, as the worker does, by answering
// that one module name from `require`. Process-wide: one app per process, as in the real worker.
import Module from 'node:module';
import type { FunctionMetadata } from './types';

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface CoreInvocationContext {
  invocationId: string;
  request: unknown;
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface RpcInvocationResponse {
  invocationId?: string;
  outputData?: { name: string; data: unknown }[];
  returnValue?: unknown;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  dispose(): void {
    this.onDispose();
  }
}

export class CoreApi {
  readonly registrations = new Map<string, Registration>();
  readonly hooks = new Map<string, Set<HookCallback>>();
  /** Passed to (and set by) every hook, app-level and invocation alike, as the worker keeps it. */
  readonly appHookData: Record<string, unknown> = {};
  /** The `hookData` of the app-level hooks: what `appStart` leaves there, `appTerminate` finds. */
  readonly appLevelOnlyHookData: Record<string, unknown> = {};
  programmingModel: ProgrammingModel | undefined;
  /** Where library log lines go (the host points this at its logger). */
  logSink: (level: string, category: string, message: string) => void = () => {};
  readonly Disposable = Disposable;
  readonly version = '4.0.0-local';

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    const key = metadata.name.toLowerCase();
    if (this.registrations.has(key)) {
      throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    }
    this.registrations.set(key, { metadata, callback });
    return new Disposable(() => this.registrations.delete(key));
  }

  setProgrammingModel(model: ProgrammingModel): void {
    this.programmingModel = model;
  }

  getProgrammingModel(): ProgrammingModel | undefined {
    return this.programmingModel;
  }

  registerHook(hookName: string, callback: HookCallback): Disposable {
    const set = this.hooks.get(hookName) ?? new Set<HookCallback>();
    this.hooks.set(hookName, set);
    set.add(callback);
    return new Disposable(() => set.delete(callback));
  }

  async runHooks(hookName: string, context: Record<string, unknown>): Promise<void> {
    for (const hook of [...(this.hooks.get(hookName) ?? [])]) await hook(context);
  }

  /** `appStart` / `appTerminate` with the worker's context: the app-level data, kept across both. */
  runAppHooks(hookName: 'appStart' | 'appTerminate', extra: Record<string, unknown> = {}): Promise<void> {
    return this.runHooks(hookName, {
      ...extra,
      hookData: this.appLevelOnlyHookData,
      appHookData: this.appHookData,
    });
  }

  log(level: string, category: string, message: string): void {
    this.logSink(level, category, message);
  }
}

const KEY = Symbol.for('local-functions-host.core-api');

/** Makes `require('@azure/functions-core')` answer with the process's CoreApi; idempotent. */
export function installCoreApi(): CoreApi {
  const g = globalThis as { [KEY]?: CoreApi };
  if (g[KEY]) return g[KEY];
  const api = new CoreApi();
  g[KEY] = api;
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  const originalRequire = proto.require;
  proto.require = function (this: unknown, id: string) {
    if (id === '@azure/functions-core') return api;
    // eslint-disable-next-line prefer-rest-params -- forward exactly what Node passed
    return originalRequire.apply(this, arguments as unknown as [string]);
  };
  return api;
}
