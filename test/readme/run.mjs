// The README's quick start, done as a new user does it: its main.cpp and CMakeLists.txt
// written out as they stand, its shell commands run as they stand (in a fresh directory,
// without the test scripts' NODE_PATH), and what the program prints compared with the
// README's "It prints" block. Run by ctest cmake.readme; the browser suite then loads the
// same build/app.js in a page (test/browser/readme.html).
//   node test/readme/run.mjs --source <wasm_mt checkout> --dir <empty work directory>
// FetchContent is pointed at the checkout with FETCHCONTENT_SOURCE_DIR_WASM_MT, CMake's
// own override, added to the configure command; nothing else is changed.
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
writeFileSync(join(options.dir, 'main.cpp'), block('cpp'));
writeFileSync(join(options.dir, 'CMakeLists.txt'), block('cmake'));

const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: '2' };
delete env.NODE_PATH;
let output = '';
for (const line of block('sh').split('\n').filter(l => l.trim() && !l.trim().startsWith('#'))) {
  const command = line.startsWith('emcmake cmake')
    ? `${line} -DFETCHCONTENT_SOURCE_DIR_WASM_MT=${JSON.stringify(options.source)}`
    : line;
  console.log(`$ ${command}`);
  output = execFileSync('bash', ['-c', command], { cwd: options.dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(output);
}

const expected = block('text').trimEnd().split('\n');
const printed = output.trimEnd().split('\n');
if (JSON.stringify(printed) !== JSON.stringify(expected)) {
  console.log(`readme: the program printed\n${printed.join('\n')}\nbut the README says\n${expected.join('\n')}`);
  process.exit(1);
}
console.log(`readme: the quick start builds and prints the README's ${expected.length} lines`);
