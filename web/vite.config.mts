// The web app's build: TypeScript and JSX (Preact) bundled into dist/web, where the `web` function
// serves it from. Files in assets/ are named by content hash, so they can be cached for good.
import path from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // The content security policy allows no inline script or style: everything goes in files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
