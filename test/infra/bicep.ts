// The Bicep CLI for the infra checks: the executable from the NuGet package restored under
// tools/bicep (`dotnet restore tools/bicep/bicep.csproj`, done here when dotnet is installed), or
// BICEP_PATH, or a `bicep` on PATH. Without any of them the checks fall back to a syntax parse.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './code-needs';

export interface BicepCli {
  path: string;
  version: string;
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

function version(exe: string): string | undefined {
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Finds (restoring it when dotnet can) the Bicep CLI; undefined when there is none on this machine. */
export function findBicep(): BicepCli | undefined {
  const explicit = process.env.BICEP_PATH;
  if (explicit) {
    const v = version(explicit);
    if (!v) throw new Error(`BICEP_PATH=${explicit} does not run`);
    return { path: explicit, version: v, how: 'BICEP_PATH' };
  }
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
      const v = version(exe);
      if (!v) throw new Error(`${exe} does not run (it needs ICU: libicu)`);
      return { path: exe, version: v, how };
    }
  }
  const global = onPath('bicep');
  if (global) {
    const v = version(global);
    if (v) return { path: global, version: v, how: 'bicep on PATH' };
  }
  return undefined;
}

export interface Diagnostics {
  ok: boolean;
  /** Every diagnostic line (errors, warnings, linter findings at any level). */
  lines: string[];
  output: string;
}

/** Runs the CLI; any error or warning counts against it (warnings are the compiler's type checks). */
export function runBicep(cli: BicepCli, args: string[], cwd = repoRoot): Diagnostics {
  const r = spawnSync(cli.path, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const lines = output.split('\n').filter((l) => /: (Error|Warning|Info) /.test(l));
  return { ok: r.status === 0 && lines.length === 0, lines, output };
}

/** runBicep, without blocking: the checks start their compiles side by side. */
export function runBicepAsync(cli: BicepCli, args: string[], cwd = repoRoot): Promise<Diagnostics> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.path, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const lines = output.split('\n').filter((l) => /: (Error|Warning|Info) /.test(l));
      resolve({ ok: status === 0 && lines.length === 0, lines, output });
    });
  });
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
