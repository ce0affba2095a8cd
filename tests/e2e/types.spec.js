// The TypeScript types that ship for <crawl-scope> and window.crawlscope
// compile under `strict` against a tutorial-like use of them.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');

test('the published TypeScript types compile against their example use', () => {
  const tsc = path.join(__dirname, 'node_modules', '.bin', 'tsc');
  const project = path.resolve(__dirname, '../types/tsconfig.json');
  try {
    execFileSync(tsc, ['-p', project], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    throw new Error(`tsc found errors in www/types/*.d.ts or tests/types/usage.ts:\n${e.stdout}${e.stderr}`);
  }
});
