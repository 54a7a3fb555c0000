// The layer rules (eslint.config.mjs) run in `npm run lint`; here each one is shown to fail on a
// forbidden import and to let the allowed ones through, on the project's own configuration.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: repoRoot });

/** The no-restricted-imports messages for one import line in a file at `file` (need not exist). */
async function layerViolations(file: string, importPath: string): Promise<string[]> {
  const code = `import * as probe from '${importPath}';\nexport const used = probe;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layer rule', () => {
  it.each([
    ['functions/books-probe.ts', '../local/adapters/documents', 'functions/ never imports local/'],
    ['functions/lib/probe.ts', '../../local/host/services', 'functions/ never imports local/'],
    ['functions/lib/probe.ts', 'better-sqlite3', 'SQLite belongs to the local host'],
    ['local/host/probe.ts', '../../functions/lib/composition', 'local/ never imports functions/'],
    ['shared/app/probe.ts', '../azure/cosmos', 'shared/app depends on the domain and its own ports only'],
    ['shared/app/probe.ts', '../config', 'shared/app depends on the domain and its own ports only'],
    ['shared/app/probe.ts', '@azure/cosmos', 'shared/app talks to infrastructure through ports only'],
    ['shared/domain/probe.ts', '../app/ports', 'shared/domain depends on nothing outside itself'],
    ['shared/domain/probe.ts', 'node:fs', 'shared/domain is pure'],
    ['shared/azure/probe.ts', '../../local/host/services', 'shared/ never reaches the local host'],
  ])('%s importing %s fails: %s', async (file, importPath, message) => {
    const violations = await layerViolations(file, importPath);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(message);
  });

  it.each([
    ['functions/books-probe.ts', '../shared/app/catalog'],
    ['functions/lib/probe.ts', '@azure/functions'],
    ['local/host/probe.ts', '@azure/functions'],
    ['local/adapters/probe.ts', '../../shared/injected-adapters'],
    ['shared/app/probe.ts', '../domain/book'],
    ['shared/app/probe.ts', './ports'],
    ['shared/domain/probe.ts', './fees'],
    ['shared/azure/probe.ts', '../app/ports'],
  ])('%s may import %s', async (file, importPath) => {
    expect(await layerViolations(file, importPath)).toEqual([]);
  });
});
