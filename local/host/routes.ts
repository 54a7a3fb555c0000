// Azure Functions (ASP.NET Core) route templates: literal segments (case-insensitive), `{name}`,
// optional `{name?}`, catch-all `{*rest}`, defaults `{name=value}`, and inline constraints
// `{id:int}`, `{id:guid}`, `{n:min(1)}`, `{s:regex(^a+$)}`... More specific routes win.

type Segment =
  | { kind: 'literal'; text: string }
  | {
      kind: 'param';
      name: string;
      optional: boolean;
      catchAll: boolean;
      defaultValue?: string;
      constraints: Constraint[];
    };

type Constraint = (value: string) => boolean;

export interface RouteTemplate {
  readonly template: string;
  readonly segments: Segment[];
}

const simpleConstraints: Record<string, Constraint> = {
  int: (v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: (v) => /^-?\d+$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  float: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  double: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  decimal: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
};

function parseConstraint(text: string, template: string): Constraint {
  const m = /^(\w+)(?:\((.*)\))?$/.exec(text);
  if (!m) throw new Error(`Bad route constraint "${text}" in "${template}".`);
  const [, name, arg] = m;
  const simple = simpleConstraints[name.toLowerCase()];
  if (simple && arg === undefined) return simple;
  const nums = (arg ?? '').split(',').map(Number);
  switch (name.toLowerCase()) {
    case 'min':
      return (v) => Number(v) >= nums[0];
    case 'max':
      return (v) => Number(v) <= nums[0];
    case 'range':
      return (v) => Number(v) >= nums[0] && Number(v) <= nums[1];
    case 'minlength':
      return (v) => v.length >= nums[0];
    case 'maxlength':
      return (v) => v.length <= nums[0];
    case 'length':
      return nums.length === 2
        ? (v) => v.length >= nums[0] && v.length <= nums[1]
        : (v) => v.length === nums[0];
    case 'regex': {
      const re = new RegExp(arg ?? '', 'i');
      return (v) => re.test(v);
    }
    default:
      throw new Error(`Unknown route constraint "${name}" in "${template}".`);
  }
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] =
    trimmed === '' ? [] : trimmed.split('/').map((part) => parseSegment(part, template));
  segments.forEach((s, i) => {
    if (s.kind === 'param' && s.catchAll && i !== segments.length - 1) {
      throw new Error(`A catch-all parameter must be the last segment in "${template}".`);
    }
  });
  return { template: trimmed, segments };
}

function parseSegment(part: string, template: string): Segment {
  if (!part.startsWith('{') || !part.endsWith('}')) {
    if (part.includes('{')) throw new Error(`Route segment "${part}" in "${template}" is not supported.`);
    return { kind: 'literal', text: part.toLowerCase() };
  }
  const m = /^\{(\*{1,2})?([^:?=}*]+)(.*)\}$/.exec(part);
  if (!m) throw new Error(`Route segment "${part}" in "${template}" is not supported.`);
  const [, star, name] = m;
  let rest = m[3];
  const constraints: Constraint[] = [];
  // `:name` or `:name(argument)`; an argument (a regex) may hold parentheses of its own, so it
  // runs to the `)` that balances its `(`, as ASP.NET Core reads it.
  while (rest.startsWith(':')) {
    const nameEnd = rest.slice(1).search(/[:(?=]|$/) + 1;
    let end = nameEnd;
    if (rest[nameEnd] === '(') {
      let depth = 0;
      for (; end < rest.length; end++) {
        if (rest[end] === '\\') end++;
        else if (rest[end] === '(') depth++;
        else if (rest[end] === ')' && --depth === 0) break;
      }
      if (depth !== 0) throw new Error(`Unbalanced parentheses in "${part}" in "${template}".`);
      end++;
    }
    constraints.push(parseConstraint(rest.slice(1, end), template));
    rest = rest.slice(end);
  }
  const tail = /^(\?)?(?:=([^}]*))?$/.exec(rest);
  if (!tail) throw new Error(`Route segment "${part}" in "${template}" is not supported.`);
  const [, optional, defaultValue] = tail;
  return {
    kind: 'param',
    name,
    optional: Boolean(optional) || star !== undefined,
    catchAll: star !== undefined,
    defaultValue,
    constraints,
  };
}

/** Matches a path (no prefix, no query) against a template; returns decoded params or undefined. */
export function matchRoute(route: RouteTemplate, path: string): Record<string, string> | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  const parts = trimmed === '' ? [] : trimmed.split('/');
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    if (seg.kind === 'literal') {
      if (i >= parts.length || safeDecode(parts[i]).toLowerCase() !== seg.text) return undefined;
      i++;
      continue;
    }
    if (seg.catchAll) {
      const rest = parts.slice(i).map(safeDecode).join('/');
      // As for any optional parameter, constraints apply to a value that is there.
      if (rest !== '' && !seg.constraints.every((c) => c(rest))) return undefined;
      if (rest !== '') params[seg.name] = rest;
      else if (seg.defaultValue !== undefined) params[seg.name] = seg.defaultValue;
      i = parts.length;
      continue;
    }
    if (i >= parts.length) {
      if (!seg.optional && seg.defaultValue === undefined) return undefined;
      if (seg.defaultValue !== undefined) params[seg.name] = seg.defaultValue;
      continue;
    }
    const value = safeDecode(parts[i]);
    if (value === '' || !seg.constraints.every((c) => c(value))) return undefined;
    params[seg.name] = value;
    i++;
  }
  return i === parts.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Orders routes so that literal segments beat parameters, constrained beat free, and catch-alls come last. */
export function compareSpecificity(a: RouteTemplate, b: RouteTemplate): number {
  const rank = (s: Segment | undefined): number =>
    s === undefined
      ? 5
      : s.kind === 'literal'
        ? 0
        : s.catchAll
          ? 4
          : s.optional
            ? 3
            : s.constraints.length
              ? 1
              : 2;
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = rank(a.segments[i]) - rank(b.segments[i]);
    if (d !== 0) return d;
  }
  return 0;
}
