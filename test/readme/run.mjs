// The README's quick start, done as a new user does it: its main.cpp and CMakeLists.txt
// written out as they stand, its shell commands run as they stand (in a fresh directory,
// without the test scripts' NODE_PATH), and what the program prints compared with the
// README's "It prints" block. Run by ctest cmake.readme; the browser suite then loads the
// same build/app.js in a page (test/browser/readme.html).
//   node test/readme/run.mjs --source <wasm_mt checkout> --dir <empty work directory>
// The repository is cloned as a user gets it (the main branch, no tags) and the README's
// <wasm_mt-git-url> replaced with that clone; nothing else is changed. So FetchContent
// fetches the commit the README pins, which must be the one CHANGELOG.md names for its
// newest release.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({ options: { source: { type: 'string' }, dir: { type: 'string' } } });
const readme = readFileSync(join(options.source, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Five-minute quick start'));
const block = lang => {
  const match = section.match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (!match) throw new Error(`README: no \`\`\`${lang} block in the quick start`);
  return match[1];
};

rmSync(options.dir, { recursive: true, force: true });
mkdirSync(options.dir, { recursive: true });
const clone = join(options.dir, 'wasm_mt.git');
execFileSync('git', ['clone', '--quiet', '--no-tags', '--single-branch', '--bare', options.source, clone], { stdio: 'inherit' });
const cmakeLists = block('cmake');
if (!cmakeLists.includes('<wasm_mt-git-url>')) throw new Error('README: the quick start\'s CMakeLists.txt has no <wasm_mt-git-url>');
writeFileSync(join(options.dir, 'main.cpp'), block('cpp'));
writeFileSync(join(options.dir, 'CMakeLists.txt'), cmakeLists.replace('<wasm_mt-git-url>', clone));

const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: '2' };
delete env.NODE_PATH;
let output = '';
for (const line of block('sh').split('\n').filter(l => l.trim() && !l.trim().startsWith('#'))) {
  console.log(`$ ${line}`);
  output = execFileSync('bash', ['-c', line], { cwd: options.dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(output);
}

// What FetchContent fetched is the release CHANGELOG.md names.
const release = /^## (\d+\.\d+\.\d+) \([^)]*\)\n\nCommit `([0-9a-f]{40})`/m.exec(readFileSync(join(options.source, 'CHANGELOG.md'), 'utf8'));
if (!release) throw new Error('CHANGELOG.md: no release heading followed by its commit');
const fetched = execFileSync('git', ['-C', join(options.dir, 'build', '_deps', 'wasm_mt-src'), 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
if (fetched !== release[2]) {
  console.log(`readme: FetchContent fetched ${fetched}, but CHANGELOG.md's ${release[1]} is ${release[2]}`);
  process.exit(1);
}
console.log(`readme: fetched ${release[1]}, commit ${fetched.slice(0, 12)}, from a clone without tags`);

const expected = block('text').trimEnd().split('\n');
const printed = output.trimEnd().split('\n');
if (JSON.stringify(printed) !== JSON.stringify(expected)) {
  console.log(`readme: the program printed\n${printed.join('\n')}\nbut the README says\n${expected.join('\n')}`);
  process.exit(1);
}
console.log(`readme: the quick start builds and prints the README's ${expected.length} lines`);
