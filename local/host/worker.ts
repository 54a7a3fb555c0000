// Runs invocations the way the Azure Functions Node worker does: through the programming model the
// app's `@azure/functions` registered on the core API, so handlers get the library's own
// HttpRequest / InvocationContext objects and outputs come back through its converters.
import { randomUUID } from 'node:crypto';
import { triggerBindingData, type BindingData } from './binding-data';
import { isConsumer, type ConsumerLog } from './consumer-log';
import type { CoreApi } from './core-api';
import { count } from './counters';
import type { Logger } from './logger';
import { fromTypedData, toMetadataTypedData, toTypedData } from './typed-data';
import type {
  BindingInfo,
  InvokeOptions,
  InvokeResult,
  RegisteredFunction,
  TypedData,
  Worker,
} from './types';

export interface BindingRouter {
  input(fn: RegisteredFunction, bindingName: string, binding: BindingInfo, data: BindingData): unknown;
  output(fn: RegisteredFunction, bindingName: string, binding: BindingInfo, value: unknown): Promise<void>;
}

export function isTriggerType(type: string): boolean {
  return type.toLowerCase().endsWith('trigger');
}

export function toRegisteredFunction(metadata: RegisteredFunction['metadata']): RegisteredFunction {
  const triggers = Object.entries(metadata.bindings).filter(([, b]) => isTriggerType(b.type));
  if (triggers.length !== 1) {
    throw new Error(`Function "${metadata.name}" must have exactly one trigger; it has ${triggers.length}.`);
  }
  const [name, binding] = triggers[0];
  return { name: metadata.name, metadata, trigger: { name, binding } };
}

export class FunctionWorker implements Worker {
  readonly functions = new Map<string, RegisteredFunction>();

  constructor(
    private readonly core: CoreApi,
    private readonly log: Logger,
    private readonly bindings: BindingRouter,
    /** Where the info lines of batch consumers go (summarised); without it they are logged as they come. */
    private readonly consumers?: ConsumerLog,
  ) {
    for (const { metadata } of core.registrations.values()) {
      this.functions.set(metadata.name, toRegisteredFunction(metadata));
    }
  }

  async invoke(functionName: string, options: InvokeOptions): Promise<InvokeResult> {
    const fn = this.functions.get(functionName);
    const registration = this.core.registrations.get(functionName.toLowerCase());
    const model = this.core.programmingModel;
    if (!fn || !registration || !model) throw new Error(`No function named "${functionName}" is registered.`);
    count(`executions.${fn.name}`);
    count(`executionsByTrigger.${fn.trigger.binding.type}`);

    const invocationId = options.invocationId ?? randomUUID();
    if (this.consumers && isConsumer(fn)) this.consumers.ran(fn);
    const inputData: { name: string; data: TypedData | undefined }[] = [
      {
        name: fn.trigger.name,
        data: options.triggerIsTypedData ? (options.trigger as TypedData) : toTypedData(options.trigger),
      },
    ];
    // A trigger given as typed data (HTTP, a change-feed batch) has no properties of its own to offer.
    const bindingData =
      options.bindingData ??
      triggerBindingData(options.triggerIsTypedData ? undefined : options.trigger, options.triggerMetadata);
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'in' || name === fn.trigger.name) continue;
      inputData.push({ name, data: toTypedData(this.bindings.input(fn, name, binding, bindingData)) });
    }
    let triggerMetadata: Record<string, TypedData | undefined> | undefined;
    if (options.triggerMetadata) {
      triggerMetadata = {};
      // The library reads an HTTP trigger's metadata (its route parameters) as strings itself.
      const encode = fn.trigger.binding.type === 'httpTrigger' ? toTypedData : toMetadataTypedData;
      for (const [key, value] of Object.entries(options.triggerMetadata))
        triggerMetadata[key] = encode(value);
    }

    const coreCtx = {
      invocationId,
      metadata: fn.metadata,
      state: undefined as 'preInvocationHooks' | 'postInvocationHooks' | 'invocation' | undefined,
      request: {
        invocationId,
        functionId: fn.name,
        inputData,
        triggerMetadata,
        retryContext: options.retryContext,
      },
      log: (level: string, category: string, message: string) => this.userLog(fn, level, category, message),
    };
    const invocation = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();

    const hookData: Record<string, unknown> = {};
    const appHookData = this.core.appHookData;
    const pre: Record<string, unknown> = {
      invocationContext: context,
      inputs,
      functionCallback: registration.callback,
      hookData,
      appHookData,
    };
    coreCtx.state = 'preInvocationHooks';
    await this.core.runHooks('preInvocation', pre);
    coreCtx.state = 'invocation';

    // As the worker: `result` and `error` are null unless the handler returned or threw something.
    let result: unknown = null;
    let error: unknown = null;
    try {
      result = await invocation.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as typeof registration.callback,
      );
    } catch (err) {
      error = err;
    }
    const post: Record<string, unknown> = {
      invocationContext: context,
      inputs: pre.inputs,
      result,
      error,
      hookData,
      appHookData,
    };
    coreCtx.state = 'postInvocationHooks';
    await this.core.runHooks('postInvocation', post);
    if (post.error !== undefined && post.error !== null) throw post.error;

    const response = await invocation.getResponse(context, post.result);
    const outputs: Record<string, unknown> = {};
    for (const { name, data } of response.outputData ?? []) {
      const value = fromTypedData(data as TypedData);
      outputs[name] = value;
      const binding = fn.metadata.bindings[name];
      if (binding && value !== undefined) await this.bindings.output(fn, name, binding, value);
    }
    const returnBinding = fn.metadata.bindings['$return'];
    const returnData = (response.returnValue ?? undefined) as TypedData | undefined;
    const returnValue = fromTypedData(returnData);
    if (returnBinding && returnBinding.type.toLowerCase() !== 'http' && returnValue !== undefined) {
      await this.bindings.output(fn, '$return', returnBinding, returnValue);
    }
    return { invocationId, returnValue, returnData, outputs, result: post.result };
  }

  private userLog(fn: RegisteredFunction, level: string, category: string, message: string): void {
    const line = `[${fn.name}] ${message}`;
    if (level === 'error' || level === 'critical') this.log.error(line);
    else if (level === 'warning') this.log.warn(line);
    else if (category === 'system' || level === 'debug' || level === 'trace') this.log.debug(line);
    else if (this.consumers && isConsumer(fn)) this.consumers.hold(fn, line);
    else this.log.info(line);
  }
}
