// The Bicep CLI for the infra checks: the executable from the NuGet package restored under
// tools/bicep (`dotnet restore tools/bicep/bicep.csproj`, done here when dotnet is installed), or
// BICEP_PATH, or a `bicep` on PATH. Without any of them the checks fall back to a syntax parse.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './code-needs';

export interface BicepCli {
  path: string;
  how: string;
}

const PACKAGE_DIR = path.join(repoRoot, 'tools/bicep/packages/azure.bicep.commandline.linux-x64');

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, command);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function restored(): string | undefined {
  if (!fs.existsSync(PACKAGE_DIR)) return undefined;
  const versions = fs.readdirSync(PACKAGE_DIR).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const exe = versions.length
    ? path.join(PACKAGE_DIR, versions[versions.length - 1], 'tools/bicep')
    : undefined;
  return exe && fs.existsSync(exe) ? exe : undefined;
}

/** Finds (restoring it when dotnet can) the Bicep CLI; undefined when there is none on this machine. */
export function findBicep(): BicepCli | undefined {
  const explicit = process.env.BICEP_PATH;
  if (explicit) return { path: explicit, how: 'BICEP_PATH' };
  // The NuGet package holds a linux-x64 executable.
  if (process.platform === 'linux' && process.arch === 'x64') {
    let exe = restored();
    let how = 'tools/bicep (restored before)';
    if (!exe && onPath('dotnet')) {
      const r = spawnSync('dotnet', ['restore', path.join(repoRoot, 'tools/bicep/bicep.csproj')], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
      });
      if (r.status !== 0)
        throw new Error(`dotnet restore tools/bicep/bicep.csproj failed:\n${r.stdout}${r.stderr}`);
      exe = restored();
      how = 'tools/bicep (restored now with dotnet)';
    }
    if (exe) {
      fs.chmodSync(exe, 0o755);
      return { path: exe, how };
    }
  }
  const global = onPath('bicep');
  return global ? { path: global, how: 'bicep on PATH' } : undefined;
}

export interface Diagnostics {
  ok: boolean;
  /** Every diagnostic line (errors, warnings, linter findings at any level), as the CLI prints them. */
  lines: string[];
}

export interface Build extends Diagnostics {
  /** The ARM JSON, when the compile succeeded. */
  json?: string;
}

interface RpcDiagnostic {
  source: string;
  range: { start: { line: number; char: number } };
  level: string;
  code: string;
  message: string;
}

/**
 * The Bicep CLI as one process for every compile: `bicep jsonrpc --stdio` (StreamJsonRpc, messages
 * framed by a Content-Length header). Its start-up and its load of the Azure resource types are paid
 * once rather than by every `bicep build` or `bicep lint`: the checks' compiles and lints took 23 s
 * of processor time as seven runs of the CLI, 6 s in one. A compile answers what `bicep build` writes
 * and the diagnostics `bicep lint` prints: both are every diagnostic of the compilation, the linter's
 * included, under the bicepconfig.json beside the file.
 */
export class BicepServer {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 0;
  private received = Buffer.alloc(0);
  private stderr = '';
  /** Why the CLI no longer answers, once it does not. */
  private failure: Error | undefined;

  constructor(cli: BicepCli) {
    this.child = spawn(cli.path, ['jsonrpc', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    const fail = (why: string): void => {
      // The CLI is a .NET program: one that stops at once usually lacks ICU (libicu).
      this.failure ??= new Error(`${cli.path} ${why}:\n${this.stderr}`);
      for (const { reject } of this.pending.values()) reject(this.failure);
      this.pending.clear();
    };
    this.child.on('error', (err) => fail(`did not start: ${err.message}`));
    this.child.on('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    this.child.stdin!.on('error', (err) => fail(`stopped reading: ${err.message}`));
  }

  /** The CLI's version, e.g. 0.49.2. */
  async version(): Promise<string> {
    return ((await this.call('bicep/version', {})) as { version: string }).version;
  }

  /** `bicep build FILE`: the template and every diagnostic; any error or warning counts against it. */
  async compile(file: string): Promise<Build> {
    const r = (await this.call('bicep/compile', { path: path.resolve(file) })) as {
      success: boolean;
      diagnostics: RpcDiagnostic[];
      contents?: string;
    };
    const lines = r.diagnostics.map(
      (d) =>
        `${d.source}(${d.range.start.line + 1},${d.range.start.char + 1}) : ${d.level} ${d.code}: ${d.message}`,
    );
    return { ok: r.success && lines.length === 0, lines, json: r.success ? r.contents : undefined };
  }

  /** `bicep lint FILE...`: each file compiled on its own, every diagnostic of each. */
  async lint(files: string[]): Promise<Diagnostics> {
    const each = await Promise.all(files.map((f) => this.compile(f)));
    const lines = each.flatMap((c) => c.lines);
    return { ok: each.every((c) => c.ok), lines };
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    this.child.kill();
    return exited;
  }

  private call(method: string, params: unknown): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  private receive(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    for (;;) {
      const headerEnd = this.received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(
        /Content-Length: *(\d+)/i.exec(this.received.subarray(0, headerEnd).toString())?.[1],
      );
      const start = headerEnd + 4;
      if (this.received.length < start + length) return;
      const message = JSON.parse(this.received.subarray(start, start + length).toString()) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      this.received = this.received.subarray(start + length);
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) continue;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(`Bicep CLI: ${message.error.message}`));
      else waiting.resolve(message.result);
    }
  }
}

export function bicepFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.bicep')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Syntax only, with tree-sitter-bicep: the problems it finds. Its grammar does not know the spread
 * operator (`...x`) or `extension` declarations, so errors on such lines are not counted.
 */
export async function parseSyntax(files: string[]): Promise<string[]> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  const problems: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const tree = parser.parse(text);
    if (!tree) {
      problems.push(`${file}: not parsed`);
      continue;
    }
    const walk = (node: NonNullable<typeof tree>['rootNode']): void => {
      if (node.type === 'ERROR' || node.isMissing) {
        const row = node.startPosition.row;
        const line = lines[row] ?? '';
        if (!/\.\.\.\s*\w/.test(line) && !/^\s*extension\b/.test(line)) {
          problems.push(
            `${path.relative(repoRoot, file)}:${row + 1}:${node.startPosition.column + 1}: ${node.isMissing ? `missing ${node.type}` : 'syntax error'}`,
          );
        }
      }
      for (const child of node.children) if (child) walk(child);
    };
    walk(tree.rootNode);
  }
  return problems;
}
