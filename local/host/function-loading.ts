// Loading the app's functions one by one, as the Functions host does: a function with a binding no
// extension serves (blob, queue, table, SQL, an entity trigger, ...) or an option its extension
// refuses is listed as in error with the reason, and the rest run. An HTTP function in error keeps
// its route, which answers 500 problem+json saying why.
import type { HostHttpServer } from './http-server';
import type { Logger } from './logger';
import type { HostExtension, RegisteredFunction } from './types';

export interface FunctionListing {
  name: string;
  trigger: string;
  detail: string;
  /** Why the function is in error (it does not run), as the start-up listing says. */
  error?: string;
}

type ServedKind = 'triggerTypes' | 'inputTypes' | 'outputTypes';

/** The extension that serves bindings of `type` in the role `kind`, if any. */
export function extensionFor(
  extensions: readonly HostExtension[],
  kind: ServedKind,
  type: string,
): HostExtension | undefined {
  const t = type.toLowerCase();
  return extensions.find((e) => (e[kind] ?? []).some((x) => x.toLowerCase() === t));
}

/** The binding types of `fn` no extension serves (HTTP is the host's own). */
function unservedTypes(fn: RegisteredFunction, extensions: readonly HostExtension[]): string[] {
  const missing = new Set<string>();
  for (const b of Object.values(fn.metadata.bindings)) {
    const type = b.type.toLowerCase();
    if (type === 'http' || type === 'httptrigger') continue;
    const kind: ServedKind =
      b === fn.trigger.binding ? 'triggerTypes' : b.direction === 'out' ? 'outputTypes' : 'inputTypes';
    if (!extensionFor(extensions, kind, b.type)) missing.add(b.type);
  }
  return [...missing];
}

/** Why an extension refuses one of the function's input or output bindings, if it does. */
function bindingRefusal(fn: RegisteredFunction, extensions: readonly HostExtension[]): string | undefined {
  for (const b of Object.values(fn.metadata.bindings)) {
    if (b === fn.trigger.binding || b.type.toLowerCase() === 'http') continue;
    const ext = extensionFor(extensions, b.direction === 'out' ? 'outputTypes' : 'inputTypes', b.type);
    try {
      ext?.checkBinding?.(fn, b);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}

/** Where HTTP functions get their routes (the main thread's server). */
export type HttpFunctions = Pick<HostHttpServer, 'addFunction'>;

export function loadFunctions(parts: {
  functions: Iterable<RegisteredFunction>;
  extensions: readonly HostExtension[];
  /** Absent on a thread that serves no HTTP: its HTTP functions are listed without a route. */
  http?: HttpFunctions;
  settings: Readonly<Record<string, string | undefined>>;
  /** Where functions in error are reported; absent on a consumer thread (the main thread reports them). */
  log?: Logger;
}): FunctionListing[] {
  const { extensions, http, settings, log } = parts;
  const listing: FunctionListing[] = [];
  for (const fn of parts.functions) {
    const type = fn.trigger.binding.type;
    // As in Azure: app setting `AzureWebJobs.<name>.Disabled` = true keeps a function from running.
    if (/^(true|1)$/i.test(settings[`AzureWebJobs.${fn.name}.Disabled`] ?? '')) {
      listing.push({ name: fn.name, trigger: type, detail: 'disabled' });
      continue;
    }
    const missing = unservedTypes(fn, extensions);
    let error =
      missing.length > 0
        ? `The binding type(s) '${missing.join(', ')}' are not registered with the local host.`
        : bindingRefusal(fn, extensions);
    if (type.toLowerCase() === 'httptrigger') {
      const failure = error && `The function '${fn.name}' is in error: ${error}`;
      const route = http?.addFunction(fn, failure);
      listing.push({
        name: fn.name,
        trigger: 'httpTrigger',
        detail: route ? `[${route.methods.join(',')}] ${route.path}` : '',
        error,
      });
    } else {
      const ext = extensionFor(extensions, 'triggerTypes', type);
      let detail = '';
      if (!error && ext) {
        try {
          ext.addFunction?.(fn);
          detail = ext.describe?.(fn) ?? '';
        } catch (err) {
          error = (err as Error).message;
        }
      }
      listing.push({ name: fn.name, trigger: type, detail, error });
    }
    if (error) log?.error(`The '${fn.name}' function is in error: ${error}`);
  }
  return listing;
}

/**
 * The start-up listing, as `func start` prints it but a line a function (so an app of fifty fits a
 * screen): each function with its URL or trigger, and its error when it is in error.
 */
export function describeFunctions(listing: readonly FunctionListing[], baseUrl: string): string {
  const lines = ['Functions:'];
  for (const f of listing) {
    const what =
      f.trigger === 'httpTrigger'
        ? f.detail.replace(/ \//, ` ${baseUrl}/`)
        : `${f.trigger}${f.detail ? ` (${f.detail})` : ''}`;
    lines.push(`  ${f.name}: ${what}${f.error ? ` in error: ${f.error}` : ''}`);
  }
  return lines.join('\n');
}
