// Sums vitest JSON reports (one per Node version .ci/run tests on) and ends
// with one plain line for the CI to count: "N passed, N failed, N skipped".
// Usage: node scripts/test-summary.mjs [report.json ...] (default .vitest-results.json)
// Each failed test is named at the end with the first lines of its failure, so
// the tail of a long CI log tells what broke.
//
// Exits non-zero when a report is missing or unreadable, a test or a test file
// failed, or a report holds no passed test. Under CI=true it also fails when
// any test was skipped, naming each one: a run that skipped the Redis,
// Docker or browser tests has not tested them. The one skip allowed is the
// verification against the real Togai API, which needs credentials a CI run
// does not have; it is named too.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Skips CI accepts: [file, start of the test's full name, why]. */
const ALLOWED_SKIPS = [
  [
    'test/contract/verify.test.ts',
    'togai-mock verify against the real Togai API',
    'needs TOGAI_BASE_URL and TOGAI_API_TOKEN for a Togai sandbox',
  ],
];

const files = process.argv.length > 2 ? process.argv.slice(2) : ['.vitest-results.json'];
const ci = process.env.CI === 'true';
const total = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const allowed = [];
const skippedTests = [];
const failedTests = [];
/** The first lines of a failure message, without colour codes: enough to tell what broke from the log's tail. */
const firstLines = (text, count = 4) =>
  String(text)
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(0, count);

for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    total.failed++;
    problems.push(`cannot read ${file}: ${err.message}`);
    continue;
  }
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const results = report.testResults ?? [];
  // A file that failed before any of its tests ran (an import error, a failing hook) lists no tests.
  const brokenFiles = results.filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0);
  let skipped = 0;
  for (const result of results) {
    const path = relative(process.cwd(), result.name ?? '');
    for (const test of result.assertionResults ?? []) {
      if (test.status === 'failed') {
        const name = test.fullName ?? [...(test.ancestorTitles ?? []), test.title].join(' ');
        failedTests.push({
          title: `${file}: ${path} > ${name}`,
          lines: (test.failureMessages ?? []).flatMap((m) => firstLines(m)),
        });
      }
      if (test.status === 'passed' || test.status === 'failed') continue;
      skipped++;
      const name = test.fullName ?? [...(test.ancestorTitles ?? []), test.title].join(' ');
      const rule = ALLOWED_SKIPS.find(
        ([f, prefix]) => (path === f || path.endsWith(`/${f}`)) && name.startsWith(prefix),
      );
      if (rule) allowed.push(`${path} > ${name} (${rule[2]})`);
      else skippedTests.push(`${file}: ${path} > ${name} [${test.status}]`);
    }
  }
  for (const broken of brokenFiles) {
    problems.push(`${file}: ${relative(process.cwd(), broken.name ?? '')} failed to run`);
    failedTests.push({
      title: `${file}: ${relative(process.cwd(), broken.name ?? '')} (the file failed before its tests ran)`,
      lines: firstLines(broken.message ?? '', 8),
    });
  }
  if (passed === 0) problems.push(`${file}: no test passed`);
  console.log(`${file}: ${passed} passed, ${failed + brokenFiles.length} failed, ${skipped} skipped`);
  total.passed += passed;
  total.failed += failed + brokenFiles.length;
  total.skipped += skipped;
}

// The failures last, just above the count, so that the tail of a long log names them.
if (failedTests.length > 0) {
  console.error(`${failedTests.length} failed:`);
  for (const { title, lines } of failedTests) {
    console.error(`  FAILED ${title}`);
    for (const line of lines) console.error(`      ${line.slice(0, 300)}`);
  }
}
for (const name of allowed) console.log(`skipped, allowed: ${name}`);
if (skippedTests.length > 0) {
  const say = ci ? console.error : console.log;
  say(`${ci ? 'ERROR: CI=true and ' : ''}${skippedTests.length} test(s) skipped:`);
  for (const name of skippedTests) say(`  ${name}`);
  if (ci) problems.push(`${skippedTests.length} test(s) skipped under CI=true (listed above); install what they need`);
}
for (const problem of problems) console.error(`test-summary: ${problem}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || problems.length > 0 ? 1 : 0);
