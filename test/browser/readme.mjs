// The README's quick start in a page (readme.html): the app ctest cmake.readme built as
// the README says, printing the README's "It prints" lines.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The lines of the README's quick-start output block.
function readmeLines(root) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Five-minute quick start'));
  return section.match(/```text\n([\s\S]*?)```/)[1].trimEnd().split('\n');
}

// The row, and the directory the page's readme/ is served from.
export function readmeCheck(root, build) {
  const dir = join(build, 'test', 'readme', 'build');
  const expected = readmeLines(root);
  return {
    dir,
    check: {
      name: "README: the quick start's app in a page",
      path: `/readme.html?lines=${expected.length}`,
      check: results => {
        if (!existsSync(join(dir, 'app.js'))) return [`${dir}/app.js is missing: ctest -R cmake.readme builds it`];
        const lines = results.lines || [];
        return JSON.stringify(lines) === JSON.stringify(expected)
          ? [] : [`the page printed ${JSON.stringify(lines)}, the README says ${JSON.stringify(expected)}`];
      },
    },
  };
}
