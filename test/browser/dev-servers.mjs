// The example app (examples/vite, examples/webpack) under the dev servers a developer
// lives in: `vite` and `webpack serve`, with the CMake build outside the project (as the
// docs lay it out) and the configs docs/README.md gives: each config file must be the
// block the docs show (extracted here), so what the browsers check is what the docs say.
//   const dev = await startDevServers(root, build); dev.checks(appCheck); dev.close();
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

// The ```js block of docs/README.md whose first line starts with `// <file>`.
function docsBlock(root, file) {
  const docs = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
  const block = [...docs.matchAll(/```js\n([\s\S]*?)```/g)].map(m => m[1]).find(b => b.startsWith(`// ${file}`));
  return block === undefined ? null : block;
}

const freePort = () => new Promise((resolve, reject) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  }).on('error', reject);
});

// Starts the package's `bin` (node_modules/.bin) in `dir` and waits until
// http://127.0.0.1:<port>/ answers. The server ends with this process, however it ends.
async function serve(name, dir, bin, args, env) {
  const port = await freePort();
  const output = [];
  const child = spawn(join(dir, 'node_modules', '.bin', bin), [...args, '--port', String(port), '--host', '127.0.0.1'],
                      { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const close = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  process.on('exit', close);
  let failure = null;
  child.on('error', e => { failure = e.message; });
  child.stdout.on('data', d => output.push(String(d)));
  child.stderr.on('data', d => output.push(String(d)));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 90000;
  let problem = null;
  for (;;) {
    const ended = failure || (child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode);
    if (ended) { problem = `${name} ended (${ended}): ${output.join('').slice(-1500)}`; break; }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(5000) })).ok) break;
    } catch {}
    if (Date.now() > deadline) { problem = `${name} did not answer within 90 s: ${output.join('').slice(-1500)}`; break; }
    await new Promise(r => setTimeout(r, 250));
  }
  return { url, problem, close };
}

// `selected(name)`: whether that row runs (run.mjs --only); servers of rows left out are not started.
export async function startDevServers(root, build, selected = () => true) {
  const env = { WASM_MT_VITE_WASM_DIR: join(build, 'examples', 'vite', 'wasm') };
  const apps = [
    { name: 'example: the Vite app under its dev server (vite)', dir: join(root, 'examples', 'vite'),
      config: 'vite.config.mjs', bin: 'vite', args: ['--strictPort'] },
    { name: 'example: the webpack app under its dev server (webpack serve)', dir: join(root, 'examples', 'webpack'),
      config: 'webpack.config.mjs', bin: 'webpack', args: ['serve', '--mode', 'development'] },
  ].filter(app => selected(app.name));
  for (const app of apps) {
    const block = docsBlock(root, app.config);
    const file = readFileSync(join(app.dir, app.config), 'utf8');
    if (block === null) app.problem = `docs/README.md shows no \`// ${app.config}\` block`;
    else if (block !== file) app.problem = `${app.config} is not the block docs/README.md shows`;
    else Object.assign(app, await serve(app.name, app.dir, app.bin, app.args, env));
  }
  return {
    // Rows for run.mjs: the app's page on each dev server, checked by `check`.
    checks: check => apps.map(app => ({
      name: app.name,
      url: app.url,
      unavailable: app.problem,
      check,
    })),
    close: () => apps.forEach(app => app.close && app.close()),
  };
}
