// What the app's code needs from Azure, read from the code itself: the functions' trigger and
// binding registrations (loaded as the Functions worker loads them), the settings it reads
// (shared/config.ts and process.env), the Cosmos containers it defines, the hubs and queues it
// publishes and sends to, the Azure SDK clients it creates, and host.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { containerDefinitions, DATABASE_ID } from '../../shared/app/records';
import { loadConfig } from '../../shared/config';

export const repoRoot = path.resolve(__dirname, '../..');

export interface Binding {
  function: string;
  name: string;
  type: string;
  direction: string;
  [property: string]: unknown;
}

export interface ContainerNeed {
  database: string;
  id: string;
  partitionKeyPath: string;
  defaultTtl?: number;
  /** Where the code names it. */
  source: string;
}

export interface CodeNeeds {
  /** App settings the code reads, each with where it is read. */
  settings: Map<string, string>;
  bindings: Binding[];
  containers: ContainerNeed[];
  /** Event Hubs the code publishes to (EventPublisher.publish). */
  publishedHubs: Map<string, string>;
  /** Service Bus queues the code sends to (MessageSender.send). */
  sentQueues: Map<string, string>;
  /** Azure SDK clients created in the code, by what they need: 'cosmos', 'eventHubs:send', ... */
  sdk: Map<string, string>;
  hostJson: Record<string, unknown>;
}

const codeDirs = ['functions', 'shared'];

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of codeDirs) walk(path.join(root, d));
  return out.sort();
}

/**
 * Values like the deployment's for the identity-based settings the code reads, so the app loads as it
 * does in Azure (choosing its Azure adapters) without reaching anything: clients connect lazily.
 */
function azureLikeSettings(settings: Iterable<string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of settings) {
    const suffix = /__(\w+)$/.exec(name)?.[1];
    if (suffix === 'accountEndpoint') values[name] = 'https://infra-check.documents.azure.com:443/';
    if (suffix === 'fullyQualifiedNamespace') values[name] = 'infra-check.servicebus.windows.net';
    if (suffix === 'credential') values[name] = 'managedidentity';
    if (suffix === 'clientId') values[name] = '00000000-0000-0000-0000-000000000000';
  }
  return values;
}

/**
 * Registrations of every function file of the compiled app (npm run build first), loaded the way the
 * Functions worker loads them: with identity-based settings like the deployment's (so an app that
 * picks its Azure adapters from them loads as in Azure), or, should it refuse those, with none.
 */
export async function loadBindings(root = repoRoot, settings: Iterable<string> = []): Promise<Binding[]> {
  const child = path.join(root, 'dist/test/infra/registrations.js');
  if (!fs.existsSync(child)) throw new Error(`${child} is missing: run npm run build first`);
  const failures: string[] = [];
  for (const env of [azureLikeSettings(settings), {}]) {
    const r = await run(process.execPath, [child, root], { cwd: root, env: { ...process.env, ...env } });
    if (r.status !== 0) {
      failures.push(
        `with ${Object.keys(env).length ? 'Azure-like settings' : 'no Azure settings'}: ${r.stderr}`,
      );
      continue;
    }
    const bindings: Binding[] = [];
    for (const metadata of JSON.parse(r.stdout) as { name: string; bindings: Record<string, object> }[]) {
      for (const [name, b] of Object.entries(metadata.bindings)) {
        bindings.push({ ...(b as Record<string, unknown>), function: metadata.name, name } as Binding);
      }
    }
    return bindings;
  }
  throw new Error(`The app's functions do not load:\n${failures.join('\n')}`);
}

/** A child process's exit status and output, without blocking this process meanwhile. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const SETTING_NAME = /^[A-Za-z][A-Za-z0-9]*(__[A-Za-z0-9]+)+$|^[A-Z][A-Z0-9_]+$/;

const programs = new Map<string, ts.Program>();

/** The TypeScript program of the sources under `root`, made once: the scans below share it. */
function sourceProgram(root: string): ts.Program {
  let program = programs.get(root);
  if (!program) {
    // The project's own settings (tsconfig.base.json): ES2022 without the DOM's types, which would
    // only cost the parse of their declarations.
    program = ts.createProgram(sourceFiles(root), {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      types: ['node'],
    });
    programs.set(root, program);
  }
  return program;
}

/** Reads the TypeScript sources: settings, hubs/queues named in calls, SDK clients. */
export function scanSources(
  root = repoRoot,
): Pick<CodeNeeds, 'settings' | 'publishedHubs' | 'sentQueues' | 'sdk'> {
  const files = sourceFiles(root);
  const program = sourceProgram(root);
  const checker = program.getTypeChecker();
  const settings = new Map<string, string>();
  const publishedHubs = new Map<string, string>();
  const sentQueues = new Map<string, string>();
  const sdk = new Map<string, string>();

  const where = (sf: ts.SourceFile, node: ts.Node): string => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return `${path.relative(root, sf.fileName)}:${line + 1}`;
  };
  const literalOf = (node: ts.Expression): string | undefined => {
    if (ts.isStringLiteralLike(node)) return node.text;
    const type = checker.getTypeAtLocation(node);
    return type.isStringLiteral() ? type.value : undefined;
  };
  const typeName = (node: ts.Expression): string | undefined => {
    const type = checker.getTypeAtLocation(node);
    return (type.aliasSymbol ?? type.getSymbol())?.getName();
  };
  // The methods whose receiver's type is asked, and whose first argument names a hub or queue.
  const portMethods = new Set(['publish', 'send', 'createSender', 'createReceiver', 'createSessionReceiver']);
  const sdkClients: Record<string, string> = {
    CosmosClient: 'cosmos',
    EventHubProducerClient: 'eventHubs:send',
    EventHubBufferedProducerClient: 'eventHubs:send',
    EventHubConsumerClient: 'eventHubs:receive',
    ServiceBusClient: 'serviceBus',
  };

  for (const sf of program.getSourceFiles()) {
    if (!files.includes(path.resolve(sf.fileName))) continue;
    const isConfig = path.relative(root, sf.fileName) === path.join('shared', 'config.ts');
    const visit = (node: ts.Node): void => {
      // process.env.NAME, process.env['NAME']
      if (
        (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) &&
        node.expression.getText(sf) === 'process.env'
      ) {
        const name = ts.isPropertyAccessExpression(node)
          ? node.name.text
          : ts.isStringLiteralLike(node.argumentExpression)
            ? node.argumentExpression.text
            : undefined;
        if (name) settings.set(name, where(sf, node));
      }
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        // The settings schema: the keys of z.object({...}) in shared/config.ts.
        if (
          isConfig &&
          callee.getText(sf) === 'z.object' &&
          node.arguments[0] &&
          ts.isObjectLiteralExpression(node.arguments[0])
        ) {
          for (const p of node.arguments[0].properties) {
            const key =
              p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
            if (key && SETTING_NAME.test(key)) settings.set(key, where(sf, p));
          }
        }
        // publisher.publish('hub', ...), sender.send('queue', ...) on the app's ports. The method's
        // name is looked at first: asking the checker the type of every call's receiver would check
        // most of the code and the SDKs' declarations (seconds), for the few calls that can match.
        const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
        if (ts.isPropertyAccessExpression(callee) && node.arguments[0] && method && portMethods.has(method)) {
          const port = typeName(callee.expression);
          const named = () =>
            literalOf(node.arguments[0]) ?? `<not a constant: ${node.arguments[0].getText(sf)}>`;
          if (port === 'EventPublisher' && method === 'publish') publishedHubs.set(named(), where(sf, node));
          if (port === 'MessageSender' && method === 'send') sentQueues.set(named(), where(sf, node));
          // A Service Bus client's senders and receivers.
          if (port === 'ServiceBusClient') {
            if (method === 'createSender') sdk.set('serviceBus:send', where(sf, node));
            if (method === 'createReceiver' || method === 'createSessionReceiver')
              sdk.set('serviceBus:receive', where(sf, node));
          }
        }
      }
      if (ts.isNewExpression(node)) {
        const kind = sdkClients[node.expression.getText(sf)];
        if (kind && kind !== 'serviceBus') sdk.set(kind, where(sf, node));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { settings, publishedHubs, sentQueues, sdk };
}

/**
 * The settings shared/config.ts reads when the app loads, seen by running it: every read of a
 * setting-like name from the environment it is given, or from a copy it makes of it.
 */
export function settingsReadByConfig(): Map<string, string> {
  const read = new Map<string, string>();
  const track = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        // Setting names, and connection names such as CosmosDBConnection (a connection string's setting).
        if (typeof key === 'string' && (SETTING_NAME.test(key) || /^[A-Z][A-Za-z0-9]*$/.test(key)))
          read.set(key, 'shared/config.ts (loadConfig)');
        return Reflect.get(t, key, receiver) as unknown;
      },
    });
  const fromEntries = Object.fromEntries;
  Object.fromEntries = ((entries: Iterable<readonly [PropertyKey, unknown]>) =>
    track(fromEntries(entries))) as typeof Object.fromEntries;
  try {
    loadConfig(track({}));
  } finally {
    Object.fromEntries = fromEntries;
  }
  return read;
}

export async function codeNeeds(root = repoRoot): Promise<CodeNeeds> {
  const scanned = scanSources(root);
  for (const [name, where] of settingsReadByConfig())
    if (!scanned.settings.has(name)) scanned.settings.set(name, where);
  const containers: ContainerNeed[] = Object.values(containerDefinitions).map((c) => ({
    database: DATABASE_ID,
    id: c.id,
    partitionKeyPath: c.partitionKeyPath,
    ...('defaultTtl' in c && typeof c.defaultTtl === 'number' ? { defaultTtl: c.defaultTtl } : {}),
    source: 'shared/app/records.ts containerDefinitions',
  }));
  const hostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return { ...scanned, bindings: await loadBindings(root, scanned.settings.keys()), containers, hostJson };
}

/**
 * The app roles the code knows: the `role` values of its `Caller` type (in shared/), but `anonymous`,
 * the caller with no sign-in, whom no app role names.
 */
export function callerRoles(root = repoRoot): string[] {
  const files = sourceFiles(root).filter((f) => f.startsWith(path.join(root, 'shared') + path.sep));
  const program = sourceProgram(root);
  const checker = program.getTypeChecker();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    const alias = sf?.statements.find(
      (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'Caller',
    );
    if (!alias) continue;
    const type = checker.getTypeAtLocation(alias.name);
    const members = type.isUnion() ? type.types : [type];
    return members
      .map((m) => checker.getTypeOfSymbol(m.getProperty('role')!))
      .map((t) => (t.isStringLiteral() ? t.value : ''))
      .filter((role) => role !== 'anonymous')
      .sort();
  }
  throw new Error('no Caller type in shared/');
}
