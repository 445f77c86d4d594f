#!/usr/bin/env node
// Bundles the action's entry points into dist/. With --check, builds into a scratch folder and
// fails when the committed dist/ differs, so a stale dist/ cannot land.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTRY_POINTS = { index: 'src/main.ts', post: 'src/post.ts', cli: 'src/cli.ts' };
const check = process.argv.includes('--check');
const outdir = check ? mkdtempSync(join(tmpdir(), 'dist-check-')) : 'dist';

await build({
  entryPoints: ENTRY_POINTS,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Some CommonJS dependencies call require() for Node built-ins; ESM output needs one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\n" +
      'const require = __createRequire(import.meta.url);',
  },
  // ssh2's optional native addon is only for ssh:// engine hosts, which the action never uses.
  external: ['cpu-features', '*.node'],
  legalComments: 'none',
  logLevel: 'warning',
});

if (check) {
  const stale = Object.keys(ENTRY_POINTS)
    .map((name) => `${name}.js`)
    .filter((file) => {
      let committed = '';
      try {
        committed = readFileSync(join('dist', file), 'utf8');
      } catch {
        return true;
      }
      return committed !== readFileSync(join(outdir, file), 'utf8');
    });
  const extra = readdirSync(outdir).filter((f) => !f.endsWith('.js'));
  rmSync(outdir, { recursive: true, force: true });
  if (stale.length > 0 || extra.length > 0) {
    console.error(`dist/ is stale (${stale.join(', ')}): run 'npm run build' and commit dist/.`);
    process.exit(1);
  }
  console.log('dist/ matches src/.');
}
