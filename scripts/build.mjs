#!/usr/bin/env node
// Bundles the action's entry points into dist/. With --check, builds into a scratch folder and
// fails when the committed dist/ differs, so a stale dist/ cannot land.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTRY_POINTS = { index: 'src/main.ts', post: 'src/post.ts', cli: 'src/cli.ts' };
/**
 * docker-modem loads ssh2 for ssh:// engine hosts, which the action never connects to; leaving
 * it out drops a native addon and a megabyte of code from every bundle.
 */
const withoutSsh = {
  name: 'without-ssh',
  setup(build) {
    build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'without-ssh' }));
    build.onLoad({ filter: /.*/, namespace: 'without-ssh' }, () => ({
      contents: 'module.exports = { Client: undefined };',
      loader: 'js',
    }));
  },
};

const check = process.argv.includes('--check');
const outdir = check ? mkdtempSync(join(tmpdir(), 'dist-check-')) : 'dist';

await build({
  entryPoints: ENTRY_POINTS,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies use require(), __dirname and __filename, which ESM output lacks.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __bundleFilename = __fileURLToPath(import.meta.url);',
      "const __bundleDirname = __fileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  // Only free references are replaced; modules that declare their own keep them.
  define: { __filename: '__bundleFilename', __dirname: '__bundleDirname' },
  plugins: [withoutSsh],
  legalComments: 'none',
  // Keeps the path comments in the bundle relative to this folder even when node_modules is a
  // symlink, so the output does not depend on where it was built.
  preserveSymlinks: true,
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
