// Evaluates a compiled ARM template (the output of `bicep build`) the way Azure Resource Manager
// would, as far as it can be done without Azure: parameters, variables, copy loops, nested
// deployments (modules) and the template functions Bicep emits. What only Azure knows at deployment
// time (a reference() to a deployed resource, uniqueString(), the subscription id) becomes a
// symbolic string `⟨…⟩` that names where it comes from, so two expressions for the same runtime
// value compare equal: the identity whose principal id a role assignment names can be matched to
// the identity the Function App runs as.
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export interface DeployedResource {
  type: string;
  /** Full name, `parent/child` for child resources. */
  name: string;
  /** The resource id as ARM forms it (symbolic parts stay symbolic). */
  id: string;
  /** Deployment path of the module that declares it: `main/api`. */
  module: string;
  /** false when its condition is false; 'unknown' when the condition depends on deployment-time values. */
  deployed: boolean | 'unknown';
  /** The whole resource body, evaluated (`properties`, `identity`, `kind`, `scope`, ...). */
  body: { [key: string]: Value };
  /** Ids of what it waits for in its own template (`dependsOn`): resources, or modules. */
  dependsOn: string[];
}

export interface Evaluation {
  resources: DeployedResource[];
  outputs: Record<string, Value>;
}

const SUBSCRIPTION = '/subscriptions/⟨subscriptionId⟩';

export const symbolic = (text: string): string => `⟨${text}⟩`;
export const isSymbolic = (v: Value): boolean => typeof v === 'string' && v.includes('⟨');

// ---- expressions ----------------------------------------------------------------------------

type Node =
  | { kind: 'lit'; value: Value }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'prop'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

function parseExpression(text: string): Node {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) throw new Error(`ARM expression: expected '${c}' at ${i} in ${text}`);
    i++;
  };
  const primary = (): Node => {
    ws();
    const c = text[i];
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`ARM expression: unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      return { kind: 'lit', value: s };
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'lit', value: Number(num[0]) };
    }
    const id = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?/.exec(text.slice(i));
    if (!id) throw new Error(`ARM expression: unexpected '${c}' at ${i} in ${text}`);
    i += id[0].length;
    expect('(');
    const args: Node[] = [];
    ws();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(expression());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { kind: 'call', name: id[0], args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      ws();
      if (text[i] === '.') {
        i++;
        const id = /^[A-Za-z_$][\w$-]*/.exec(text.slice(i));
        if (!id) throw new Error(`ARM expression: property name expected at ${i} in ${text}`);
        i += id[0].length;
        node = { kind: 'prop', target: node, name: id[0] };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        expect(']');
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const node = expression();
  ws();
  if (i !== text.length) throw new Error(`ARM expression: trailing text at ${i} in ${text}`);
  return node;
}

const isExpression = (s: string): boolean => s.startsWith('[') && s.endsWith(']') && !s.startsWith('[[');

function show(v: Value): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function access(target: Value, key: string | number): Value {
  if (typeof target === 'string' && isSymbolic(target)) {
    const inner = target.startsWith('⟨') && target.endsWith('⟩') ? target.slice(1, -1) : `(${target})`;
    return symbolic(typeof key === 'number' ? `${inner}[${key}]` : `${inner}.${key}`);
  }
  if (Array.isArray(target) && typeof key === 'number') {
    if (key < 0 || key >= target.length) throw new Error(`index ${key} out of range`);
    return target[key];
  }
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    const found = Object.keys(target).find((k) => k.toLowerCase() === String(key).toLowerCase());
    if (found === undefined)
      throw new Error(`no property '${key}' in ${JSON.stringify(target).slice(0, 120)}`);
    return target[found];
  }
  throw new Error(`cannot read '${key}' of ${show(target)}`);
}

function truthy(v: Value): boolean | 'unknown' {
  if (typeof v === 'boolean') return v;
  if (isSymbolic(v)) return 'unknown';
  throw new Error(`not a boolean: ${show(v)}`);
}

function equal(a: Value, b: Value): Value {
  if (isSymbolic(a) || isSymbolic(b)) return a === b ? true : symbolic(`equals(${show(a)}, ${show(b)})`);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** ARM's resource id for a type and its name segments under a scope. */
function formResourceId(scope: string, type: string, names: string[]): string {
  const [namespace, ...types] = type.split('/');
  if (types.length !== names.length) throw new Error(`resource id: ${type} needs ${types.length} names`);
  return `${scope}/providers/${namespace}/${types.map((t, k) => `${t}/${names[k]}`).join('/')}`;
}

/** Splits `a/b/c` on the slashes outside symbolic parts (a symbolic part may hold a resource id). */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of name) {
    if (c === '⟨') depth++;
    if (c === '⟩') depth--;
    if (c === '/' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

interface Scope {
  params: Record<string, Value>;
  variables: Record<string, unknown>;
  evaluatedVariables: Map<string, Value>;
  functions: Record<string, { parameters: { name: string }[]; output: { value: unknown } }>;
  copyIndex: Map<string, number>;
  /** `/subscriptions/⟨subscriptionId⟩/resourceGroups/<name>`, or the subscription for main. */
  scopeId: string;
  resourceGroup: Value;
  /** languageVersion 2.0: resources by symbolic name (reference('account')), as ids. */
  symbols: Map<string, () => string>;
  /** reference() of a nested deployment answers with its outputs. */
  deploymentOutputs: (id: string) => Record<string, Value> | undefined;
}

function call(scope: Scope, name: string, argNodes: Node[]): Value {
  const lower = name.toLowerCase();
  // Lazy ones first.
  if (lower === 'if') {
    const c = truthy(evaluate(scope, argNodes[0]));
    if (c === 'unknown') return symbolic(`if(…)`);
    return evaluate(scope, argNodes[c ? 1 : 2]);
  }
  const args = argNodes.map((a) => evaluate(scope, a));
  const str = (k: number): string => {
    const v = args[k];
    if (typeof v !== 'string') throw new Error(`${name}: argument ${k + 1} is not a string`);
    return v;
  };
  const anySymbolic = args.some(isSymbolic);
  const opaque = (): string => symbolic(`${name}(${args.map(show).join(', ')})`);
  switch (lower) {
    case 'parameters': {
      const key = str(0);
      if (!(key in scope.params)) throw new Error(`no parameter '${key}'`);
      return scope.params[key];
    }
    case 'variables':
      return variable(scope, str(0));
    case 'copyindex': {
      const loop = typeof args[0] === 'string' ? args[0] : '';
      const offset = typeof args[0] === 'number' ? args[0] : typeof args[1] === 'number' ? args[1] : 0;
      const index =
        scope.copyIndex.get(loop) ?? (loop === '' ? [...scope.copyIndex.values()].pop() : undefined);
      if (index === undefined) throw new Error(`copyIndex(${loop}) outside its loop`);
      return index + offset;
    }
    case 'format': {
      const fmt = str(0);
      return fmt.replace(/\{(\d+)(:[^}]*)?\}/g, (_, n: string) => show(args[Number(n) + 1]));
    }
    case 'concat':
      if (args.every(Array.isArray)) return (args as Value[][]).flat();
      return args.map(show).join('');
    case 'createobject': {
      const o: Record<string, Value> = {};
      for (let k = 0; k < args.length; k += 2) o[str(k)] = args[k + 1];
      return o;
    }
    case 'createarray':
      return args;
    case 'union':
    case 'shallowmerge': {
      const list = lower === 'shallowmerge' ? (args[0] as Value[]) : args;
      if (list.some(isSymbolic)) return opaque();
      if (list.every(Array.isArray))
        return [...new Set((list as Value[][]).flat().map((v) => JSON.stringify(v)))].map(
          (v) => JSON.parse(v) as Value,
        );
      return Object.assign({}, ...(list as object[])) as Value;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'not': {
      const t = truthy(args[0]);
      return t === 'unknown' ? opaque() : !t;
    }
    case 'and':
    case 'or': {
      const ts = args.map(truthy);
      if (lower === 'and' && ts.includes(false)) return false;
      if (lower === 'or' && ts.includes(true)) return true;
      return ts.includes('unknown') ? opaque() : lower === 'and';
    }
    case 'equals':
      return equal(args[0], args[1]);
    case 'empty':
      if (anySymbolic) return opaque();
      if (args[0] === null) return true;
      if (typeof args[0] === 'string' || Array.isArray(args[0])) return args[0].length === 0;
      return Object.keys(args[0] as object).length === 0;
    case 'length':
      if (anySymbolic) return opaque();
      if (typeof args[0] === 'string' || Array.isArray(args[0])) return args[0].length;
      return Object.keys(args[0] as object).length;
    case 'contains':
      if (anySymbolic) return opaque();
      if (typeof args[0] === 'string') return args[0].includes(str(1));
      if (Array.isArray(args[0])) return args[0].some((v) => equal(v, args[1]) === true);
      return Object.keys(args[0] as object).includes(str(1));
    case 'tryget': {
      let v: Value = args[0];
      for (const key of args.slice(1)) {
        if (isSymbolic(v)) return access(v, key as string);
        if (v === null || typeof v !== 'object') return null;
        if (Array.isArray(v)) v = typeof key === 'number' && key < v.length ? v[key] : null;
        else v = Object.prototype.hasOwnProperty.call(v, key as string) ? v[key as string] : null;
      }
      return v;
    }
    case 'coalesce':
      return args.find((a) => a !== null) ?? null;
    case 'tolower':
      return anySymbolic ? opaque() : str(0).toLowerCase();
    case 'toupper':
      return anySymbolic ? opaque() : str(0).toUpperCase();
    case 'take':
    case 'skip': {
      if (anySymbolic) return opaque();
      const n = args[1] as number;
      const v = args[0] as string | Value[];
      return lower === 'take' ? v.slice(0, n) : v.slice(n);
    }
    case 'string':
      return anySymbolic ? opaque() : show(args[0]);
    case 'int':
      return anySymbolic ? opaque() : Number(args[0]);
    case 'bool':
      return anySymbolic ? opaque() : args[0] === true || String(args[0]).toLowerCase() === 'true';
    case 'json':
      return anySymbolic ? opaque() : (JSON.parse(str(0)) as Value);
    case 'split':
      return anySymbolic ? opaque() : str(0).split(str(1));
    case 'replace':
      return anySymbolic ? opaque() : str(0).split(str(1)).join(str(2));
    case 'first':
    case 'last': {
      if (anySymbolic) return opaque();
      const v = args[0] as string | Value[];
      return lower === 'first' ? v[0] : v[v.length - 1];
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'mod': {
      if (anySymbolic) return opaque();
      const [a, b] = args as number[];
      return { add: a + b, sub: a - b, mul: a * b, div: Math.trunc(a / b), mod: a % b }[lower];
    }
    case 'greater':
    case 'less':
    case 'greaterorequals':
    case 'lessorequals': {
      if (anySymbolic) return opaque();
      const [a, b] = args as number[];
      return { greater: a > b, less: a < b, greaterorequals: a >= b, lessorequals: a <= b }[lower];
    }
    case 'range':
      return Array.from({ length: args[1] as number }, (_, k) => (args[0] as number) + k);
    case 'subscription':
      return { id: SUBSCRIPTION, subscriptionId: symbolic('subscriptionId'), tenantId: symbolic('tenantId') };
    case 'tenant':
      return { tenantId: symbolic('tenantId') };
    case 'resourcegroup':
      return { id: scope.scopeId, name: scope.resourceGroup, location: symbolic('resourceGroup().location') };
    case 'environment':
      return {
        name: symbolic('environment().name'),
        authentication: { loginEndpoint: symbolic('environment().authentication.loginEndpoint') },
        suffixes: { storage: symbolic('environment().suffixes.storage') },
      };
    case 'resourceid': {
      // resourceId([subscriptionId], [resourceGroupName], type, name1, ...): a type has a '/'.
      const t = args.findIndex((a) => typeof a === 'string' && a.includes('/') && !a.startsWith('/'));
      const prefix = args.slice(0, t);
      let base = scope.scopeId;
      if (prefix.length === 1) base = `${SUBSCRIPTION}/resourceGroups/${show(prefix[0])}`;
      if (prefix.length === 2) base = `/subscriptions/${show(prefix[0])}/resourceGroups/${show(prefix[1])}`;
      return formResourceId(base, str(t), args.slice(t + 1).map(show));
    }
    case 'subscriptionresourceid':
      return formResourceId(SUBSCRIPTION, str(0), args.slice(1).map(show));
    case 'tenantresourceid':
      return formResourceId('', str(0), args.slice(1).map(show));
    case 'extensionresourceid':
      return formResourceId(str(0), str(1), args.slice(2).map(show));
    case 'reference': {
      const id = scope.symbols.get(str(0))?.() ?? str(0);
      const outputs = scope.deploymentOutputs(id);
      if (outputs)
        return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])) };
      return symbolic(`reference(${id})`);
    }
    case 'uniquestring':
    case 'guid':
    case 'deployment':
    case 'utcnow':
    case 'newguid':
    case 'deployer':
      return opaque();
    default: {
      const fn = functionDefinition(scope, name);
      if (fn) {
        const params = Object.fromEntries(fn.parameters.map((p, k) => [p.name, args[k]]));
        return evaluateValue({ ...scope, params, copyIndex: new Map() }, fn.output.value);
      }
      // Not modelled here: keep it symbolic, so a check that needs its value says it cannot tell.
      return opaque();
    }
  }
}

function functionDefinition(scope: Scope, name: string): Scope['functions'][string] | undefined {
  return scope.functions[name] ?? scope.functions[name.toLowerCase()];
}

function evaluate(scope: Scope, node: Node): Value {
  switch (node.kind) {
    case 'lit':
      return node.value;
    case 'call':
      return call(scope, node.name, node.args);
    case 'prop':
      return access(evaluate(scope, node.target), node.name);
    case 'index': {
      const key = evaluate(scope, node.index);
      return access(evaluate(scope, node.target), key as string | number);
    }
  }
}

function variable(scope: Scope, name: string): Value {
  const cached = scope.evaluatedVariables.get(name);
  if (cached !== undefined) return cached;
  let value: Value;
  const loop = (scope.variables.copy as { name: string; count: unknown; input: unknown }[] | undefined)?.find(
    (c) => c.name === name,
  );
  if (loop) {
    const count = evaluateValue(scope, loop.count) as number;
    value = Array.from({ length: count }, (_, k) =>
      evaluateValue({ ...scope, copyIndex: new Map([...scope.copyIndex, [name, k]]) }, loop.input),
    );
  } else {
    if (!(name in scope.variables)) throw new Error(`no variable '${name}'`);
    value = evaluateValue(scope, scope.variables[name]);
  }
  scope.evaluatedVariables.set(name, value);
  return value;
}

/** Evaluates template JSON: strings that are expressions, and objects/arrays (keys included) deeply. */
export function evaluateValue(scope: Scope, raw: unknown): Value {
  if (typeof raw === 'string') {
    if (isExpression(raw)) return evaluate(scope, parseExpression(raw.slice(1, -1)));
    return raw.startsWith('[[') ? raw.slice(1) : raw;
  }
  if (Array.isArray(raw)) return raw.map((v) => evaluateValue(scope, v));
  if (raw !== null && typeof raw === 'object') {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(raw)) out[show(evaluateValue(scope, k))] = evaluateValue(scope, v);
    return out;
  }
  return raw as Value;
}

// ---- templates ------------------------------------------------------------------------------

interface Template {
  parameters?: Record<string, { defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  functions?: {
    namespace: string;
    members: Record<string, { parameters: { name: string }[]; output: { value: unknown } }>;
  }[];
  resources: unknown[] | Record<string, unknown>;
  outputs?: Record<string, { value: unknown; condition?: unknown }>;
}

type RawResource = Record<string, unknown> & { type: string; name: string; existing?: boolean };

/**
 * Evaluates a template deployed at `scopeId` with the given parameter values (absent ones take
 * their defaults, or stay symbolic), its nested deployments included.
 */
export function evaluateTemplate(
  template: Template,
  parameterValues: Record<string, Value> = {},
  at: { scopeId: string; resourceGroup: Value; module: string } = {
    scopeId: SUBSCRIPTION,
    resourceGroup: symbolic('no resource group'),
    module: 'main',
  },
): Evaluation {
  const functions: Scope['functions'] = {};
  for (const ns of template.functions ?? [])
    for (const [name, fn] of Object.entries(ns.members)) functions[`${ns.namespace}.${name}`] = fn;
  const nested = new Map<string, () => Evaluation>();
  const scope: Scope = {
    params: {},
    variables: template.variables ?? {},
    evaluatedVariables: new Map(),
    functions,
    copyIndex: new Map(),
    scopeId: at.scopeId,
    resourceGroup: at.resourceGroup,
    symbols: new Map(),
    deploymentOutputs: (id) => nested.get(id)?.().outputs,
  };
  if (!Array.isArray(template.resources)) {
    for (const [symbol, raw] of Object.entries(template.resources as Record<string, RawResource>)) {
      if (raw.copy) continue;
      scope.symbols.set(symbol, () =>
        raw.type === 'Microsoft.Resources/deployments'
          ? formResourceId(at.scopeId, raw.type, [show(evaluateValue(scope, raw.name))])
          : formResourceId(at.scopeId, raw.type, splitName(show(evaluateValue(scope, raw.name)))),
      );
    }
  }
  for (const [name, p] of Object.entries(template.parameters ?? {})) {
    scope.params[name] =
      name in parameterValues
        ? parameterValues[name]
        : p.defaultValue !== undefined
          ? evaluateValue(scope, p.defaultValue)
          : symbolic(`parameter ${name}`);
  }

  const raws: RawResource[] = Array.isArray(template.resources)
    ? (template.resources as RawResource[])
    : (Object.values(template.resources) as RawResource[]);
  const resources: DeployedResource[] = [];
  const later: (() => void)[] = [];

  for (const raw of raws) {
    if (raw.existing) continue;
    const copy = raw.copy as { name: string; count: unknown } | undefined;
    const count = copy ? (evaluateValue(scope, copy.count) as number) : 1;
    for (let k = 0; k < count; k++) {
      const s: Scope = copy ? { ...scope, copyIndex: new Map([[copy.name, k]]) } : scope;
      const condition = raw.condition === undefined ? true : truthy(evaluateValue(s, raw.condition));
      const name = show(evaluateValue(s, raw.name));
      if (raw.type === 'Microsoft.Resources/deployments') {
        // A module: deployed into the resource group its `resourceGroup` names (or this scope).
        const rgName =
          raw.resourceGroup !== undefined ? evaluateValue(s, raw.resourceGroup) : at.resourceGroup;
        const childScope =
          raw.resourceGroup !== undefined ? `${SUBSCRIPTION}/resourceGroups/${show(rgName)}` : at.scopeId;
        const id = formResourceId(childScope, raw.type, [name]);
        let result: Evaluation | undefined;
        const run = (): Evaluation => {
          if (result) return result;
          const props = raw.properties as { template: Template; parameters?: Record<string, unknown> };
          const values: Record<string, Value> = {};
          // Each parameter is { value } — or an expression that gives one (a conditional value).
          for (const [p, v] of Object.entries(props.parameters ?? {}))
            values[p] = access(evaluateValue(s, v), 'value');
          result = evaluateTemplate(props.template, values, {
            scopeId: childScope,
            resourceGroup: rgName,
            module: `${at.module}/${name}`,
          });
          for (const r of result.resources)
            if (condition !== true)
              r.deployed = condition === false ? false : r.deployed === false ? false : 'unknown';
          return result;
        };
        nested.set(id, run);
        later.push(() => resources.push(...run().resources));
        continue;
      }
      const body: Record<string, Value> = {};
      for (const [key, v] of Object.entries(raw)) {
        if (['copy', 'condition', 'dependsOn', 'name', 'type'].includes(key)) continue;
        body[key] = evaluateValue(s, v);
      }
      const names = splitName(name);
      const id = formResourceId(at.scopeId, raw.type, names);
      // languageVersion 2.0 names what it waits for by symbol; 1.0 by resourceId() expressions.
      const dependsOn = ((raw.dependsOn as string[] | undefined) ?? []).map(
        (d) => scope.symbols.get(d)?.() ?? show(evaluateValue(s, d)),
      );
      resources.push({ type: raw.type, name, id, module: at.module, deployed: condition, body, dependsOn });
    }
  }
  for (const run of later) run();

  const outputs: Record<string, Value> = {};
  for (const [name, o] of Object.entries(template.outputs ?? {}))
    outputs[name] = evaluateValue(scope, o.value);
  return { resources, outputs };
}
