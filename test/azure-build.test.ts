// The package Azure would run: no local/, no better-sqlite3, every function loaded with Azure
// settings; without them the load stops naming the Cosmos DB setting (scripts/check-azure-build.mjs).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..');

interface Report {
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

it('an Azure build (npm ci --omit=dev + the compiled app) loads every function without local/ or better-sqlite3', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/check-azure-build.mjs'], {
    cwd: repoRoot,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`check-azure-build failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as Report;
  expect(report.problems).toEqual([]);
  expect(report.packagedLocal).toEqual([]);
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
}, 300_000);
