// What each production dependency adds to the image, measured inside it:
//   docker run --rm -i --entrypoint node togai-mock - < scripts/docker-sizes.mjs
// For each dependency in package.json: the size of its own files, and what
// the image would lose without it (its files plus every package only it pulls
// in). Sizes are apparent sizes (du --apparent-size), which is what an image
// layer holds. Prints a Markdown table (docs/docker.md keeps the last one).

import { lstatSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const app = process.cwd();
const modules = join(app, 'node_modules');

/** Bytes of the files under dir, not descending into `skip` directory names. */
function sizeOf(dir, skip = new Set()) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(path, skip);
    else total += lstatSync(path).size;
  }
  return total;
}

/** Every installed package directory (nested node_modules included). */
function packagesUnder(nodeModules, into = []) {
  if (!existsSync(nodeModules)) return into;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path, { withFileTypes: true })) {
        if (scoped.isDirectory()) addPackage(join(path, scoped.name), into);
      }
    } else addPackage(path, into);
  }
  return into;
}

function addPackage(dir, into) {
  if (!existsSync(join(dir, 'package.json'))) return;
  into.push(dir);
  packagesUnder(join(dir, 'node_modules'), into);
}

function dependenciesOf(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });
}

/** Node's lookup: dir/node_modules/name, then each parent's node_modules. */
function resolve(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === app || dir === dirname(dir)) return undefined;
  }
}

const sizes = new Map(packagesUnder(modules).map((dir) => [dir, sizeOf(dir, new Set(['node_modules']))]));

function closure(roots) {
  const seen = new Set();
  const stack = [...roots];
  while (stack.length > 0) {
    const dir = stack.pop();
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const name of dependenciesOf(dir)) {
      const found = resolve(dir, name);
      if (found) stack.push(found);
    }
  }
  return seen;
}

const sum = (dirs) => [...dirs].reduce((total, dir) => total + (sizes.get(dir) ?? 0), 0);
const mb = (bytes) => (bytes / 1e6).toFixed(1);

const direct = dependenciesOf(app)
  .map((name) => ({ name, dir: resolve(app, name) }))
  .filter((d) => d.dir);
const all = closure(direct.map((d) => d.dir));
const rows = direct.map(({ name, dir }) => {
  const others = closure(direct.filter((d) => d.dir !== dir).map((d) => d.dir));
  const only = [...closure([dir])].filter((p) => !others.has(p));
  return { name, own: sizes.get(dir), only: sum(only), packages: only.length };
});
rows.sort((a, b) => b.only - a.only);

const lines = [
  '| Dependency | Its own files (MB) | Without it the image loses (MB) | Packages only it pulls in |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${mb(r.own)} | ${mb(r.only)} | ${r.packages} |`),
  `| *all ${sizes.size} packages (node_modules)* |  | ${mb(sizeOf(modules))} | |`,
  `| *shared by several dependencies* |  | ${mb(sum(all) - rows.reduce((t, r) => t + r.only, 0))} | |`,
  `| *togai-mock itself (dist, spec, ui)* |  | ${mb(sizeOf(app, new Set(['node_modules'])))} | |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
