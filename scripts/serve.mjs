// A static file server on 127.0.0.1 for the demos and the browser tests.
// By default it sends no COOP/COEP headers: wasm_mt must work without cross-origin isolation.
// Every path is also served under /csp/ with a strict Content-Security-Policy that
// forbids 'unsafe-eval' (WebAssembly compilation itself allowed: 'wasm-unsafe-eval'),
// and under /isolated/ with COOP/COEP, for what only isolated pages may measure
// (the benchmark's performance.measureUserAgentSpecificMemory).
//   node scripts/serve.mjs DIR [PORT]     serves DIR until stopped, printing its URL
//   import { startServer } from './serve.mjs'; startServer(mounts, port)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.css': 'text/css',
};

export const strictCsp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
                         "worker-src 'self' blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'";

// Serves files from `mounts`, a list of {prefix: '/x/', dir} (first match wins).
// Resolves to {url, close(), requests(path)}: requests(path) counts the requests for a
// path so far. Port 0: a free one. cache: let browsers cache files (as a deployed site
// would; the tests leave it off so a rebuild is always picked up). cors: let every
// origin read every file (Access-Control-Allow-Origin: *), as a CDN does. policies:
// more {'/prefix/': Content-Security-Policy} to serve every path under.
export function startServer(mounts, port = 0, { cache = false, cors = false, policies = {} } = {}) {
  const counts = new Map();
  const server = createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    counts.set(path, (counts.get(path) || 0) + 1);
    const headers = { 'Cache-Control': cache ? 'max-age=3600' : 'no-store' };
    for (const [prefix, policy] of Object.entries({ '/csp/': strictCsp, ...policies })) {
      if (!path.startsWith(prefix)) continue;
      path = path.slice(prefix.length - 1);
      headers['Content-Security-Policy'] = policy;
      break;
    }
    const isolated = path === '/isolated' || path.startsWith('/isolated/');
    if (isolated) path = path.slice(9) || '/';
    if (path.endsWith('/')) path += 'index.html';
    if (cors) headers['Access-Control-Allow-Origin'] = '*';
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    for (const { prefix, dir: root } of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(root, path.slice(prefix.length - 1)));
      if (!file.startsWith(normalize(root) + sep)) break;
      try {
        if (!(await stat(file)).isFile()) continue;
        const body = await readFile(file);
        headers['Content-Type'] = types[extname(file)] || 'application/octet-stream';
        response.writeHead(200, headers);
        response.end(body);
        return;
      } catch {
        // next root
      }
    }
    response.writeHead(404, headers);
    response.end('not found: ' + path);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise(done => { server.closeAllConnections(); server.close(done); }),
        requests: path => counts.get(path) || 0,
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] || '.');
  const { url } = await startServer([{ prefix: '/', dir }], Number(process.argv[3] || 0));
  console.log(`serving ${dir} at ${url}/ (no COOP/COEP headers; Ctrl-C stops)`);
}
