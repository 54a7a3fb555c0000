// The package azd ships (scripts/azure-package.mjs, built as azure.yaml's prepackage hook builds it):
// no local/, no development dependency, under 100 MB unpacked, every function loaded with Azure
// settings; without them the load stops naming the Cosmos DB setting (scripts/check-azure-build.mjs).
// Then the same package with a development dependency and local/ code slipped in, which the check
// must refuse.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..');

interface Report {
  unpackedMB: number;
  budgetMB: number;
  developmentOnlyInstalled: string[];
  packagedOutsideDist: string[];
  packagedLocal: string[];
  withAzureSettings: {
    files: number;
    registered: string[];
    error?: string;
    loadedLocal: string[];
    loadedAzureSdks: string[];
    betterSqlite3Installed: boolean;
  };
  withoutAzureSettings: { error?: string };
  problems: string[];
  packagedWeb: string[];
}

/** Runs the check; resolves with its exit code, its report and what it said on stderr. */
async function check(args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await promisify(execFile)(process.execPath, ['scripts/check-azure-build.mjs', ...args], {
    cwd: repoRoot,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
  const last = run.stdout.trim().split('\n').pop();
  if (!last) throw new Error(`check-azure-build printed no report (exit ${run.code}):\n${run.stderr}`);
  return { code: run.code, report: JSON.parse(last) as Report, stderr: run.stderr };
}

let kept: string | undefined;
afterAll(() => {
  if (kept) fs.rmSync(kept, { recursive: true, force: true });
});

it('the azd package (production dependencies + dist/) loads every function without local/ or a development dependency', async () => {
  const { code, report, stderr } = await check(['--keep']);
  kept = /kept (\S+)/.exec(stderr)?.[1];
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.packagedLocal).toEqual([]);
  expect(report.developmentOnlyInstalled).toEqual([]);
  expect(report.unpackedMB).toBeLessThan(report.budgetMB);
  expect(report.packagedOutsideDist.sort()).toEqual(['host.json', 'package-lock.json', 'package.json']);
  const loaded = report.withAzureSettings;
  expect(loaded.error).toBeUndefined();
  expect(loaded.files).toBeGreaterThan(10);
  expect(loaded.registered).toEqual(
    expect.arrayContaining(['books-list', 'rentals-create', 'rental-saga', 'web']),
  );
  // The page and the files it names travel in the same package.
  expect(report.packagedWeb).toContain('dist/web/index.html');
  expect(report.packagedWeb.some((f) => f.startsWith('dist/web/assets/') && f.endsWith('.js'))).toBe(true);
  expect(loaded.loadedLocal).toEqual([]);
  expect(loaded.betterSqlite3Installed).toBe(false);
  expect(loaded.loadedAzureSdks).toContain('@azure/cosmos');
  expect(report.withoutAzureSettings.error).toContain('CosmosDBConnection__accountEndpoint');

  // What the check exists to catch: a development dependency and local/ code in the package.
  expect(kept).toBeDefined();
  const dir = kept!;
  fs.mkdirSync(path.join(dir, 'node_modules/vitest'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules/vitest/package.json'), '{"name":"vitest"}');
  fs.mkdirSync(path.join(dir, 'dist/local'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist/local/host.js'), '');
  const tampered = await check(['--package', dir]);
  expect(tampered.code).toBe(1);
  expect(tampered.report.developmentOnlyInstalled).toEqual(['node_modules/vitest']);
  expect(tampered.report.problems).toEqual(
    expect.arrayContaining([
      'the package holds local/ files',
      'the package holds development dependencies: node_modules/vitest',
    ]),
  );
}, 300_000);
