#!/usr/bin/env node
// Runs the test tiers with Node's own runner. Tests are TypeScript run through Node's type
// stripping, so this needs Node 22.18 or later (GitHub runs actions on Node 24).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const TIERS = ['unit', 'integration', 'e2e', 'redteam'];
// Run only when named, by root: a checkout that belongs to root needs a root test process.
const ROOT_TIER = 'root';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`Tests need Node 22.18 or later (found ${process.version}); see README "Develop".`);
  process.exit(2);
}

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const tiers = wanted.length > 0 ? wanted : TIERS;
for (const tier of tiers) {
  if (![...TIERS, ROOT_TIER].includes(tier)) {
    console.error(`Unknown test tier '${tier}'; use one of: ${[...TIERS, ROOT_TIER].join(', ')}.`);
    process.exit(2);
  }
}

const files = tiers.flatMap((tier) =>
  (existsSync(join('test', tier)) ? readdirSync(join('test', tier)) : [])
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join('test', tier, name)),
);
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...passThrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
