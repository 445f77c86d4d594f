import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hardLimit } from '../../src/sandbox/host-limits.ts';

const TABLE = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96362                96362                processes
Max open files            1024                 20000                files
Max locked memory         unlimited            unlimited            bytes
`;

describe('host hard limits', () => {
  it('reads the hard column of the kernel limits table', () => {
    assert.equal(hardLimit(TABLE, 'Max open files'), 20000);
    assert.equal(hardLimit(TABLE, 'Max processes'), 96362);
  });

  it('treats unlimited and missing rows as no ceiling of our own', () => {
    assert.equal(hardLimit(TABLE, 'Max locked memory'), 1 << 20);
    assert.equal(hardLimit('', 'Max processes'), 1 << 20);
  });
});
