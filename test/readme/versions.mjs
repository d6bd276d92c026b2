// The version a user is told about, everywhere it is told, is one: the newest release in
// CHANGELOG.md (its heading and the commit recorded beside it), the commit the README's
// FetchContent pins, the version find_package asks for (README, docs, the consumer
// test), and project(VERSION) in CMakeLists.txt. Run by ctest cmake.versions.
//   node test/readme/versions.mjs --source <wasm_mt checkout>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({ options: { source: { type: 'string' } } });
const read = (file) => readFileSync(join(options.source, file), 'utf8');
const problems = [];
const expect = (ok, what) => { if (!ok) problems.push(what); };

// The newest release: the first "## X.Y.Z (date)" heading, and the commit under it.
const changelog = read('CHANGELOG.md');
const heading = /^## (\d+)\.(\d+)\.(\d+) \(([^)]*)\)\n\nCommit `([0-9a-f]{40})`/m.exec(changelog);
if (!heading) {
  console.log('versions: CHANGELOG.md has no "## X.Y.Z (date)" heading followed by "Commit `<40 hex>`"');
  process.exit(1);
}
const [, major, minor, patch, , commit] = heading;
const version = `${major}.${minor}.${patch}`;

const cmake = /project\(wasm_mt VERSION (\d+\.\d+\.\d+)/.exec(read('CMakeLists.txt'));
expect(cmake && cmake[1] === version, `CMakeLists.txt project(VERSION) is ${cmake && cmake[1]}, CHANGELOG's newest release ${version}`);

const readme = read('README.md');
const pin = /GIT_TAG\s+([0-9a-f]{40})\)\s+# (\d+\.\d+\.\d+)/.exec(readme);
expect(pin && pin[1] === commit, `README's GIT_TAG is ${pin && pin[1]}, CHANGELOG's ${version} is commit ${commit}`);
expect(pin && pin[2] === version, `README's GIT_TAG comment names ${pin && pin[2]}, CHANGELOG's newest release is ${version}`);

for (const file of ['README.md', 'docs/README.md', 'test/consumer/CMakeLists.txt']) {
  const asked = [...read(file).matchAll(/find_package\(wasm_mt (\d+\.\d+)/g)].map((m) => m[1]);
  expect(asked.length > 0, `${file} shows no find_package(wasm_mt X.Y)`);
  for (const v of asked) expect(v === `${major}.${minor}`, `${file} asks find_package for ${v}, the release is ${version}`);
}

if (problems.length) {
  console.log(`versions: disagree:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`versions: ${version} (commit ${commit.slice(0, 12)}) everywhere`);
