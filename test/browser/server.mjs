// A static file server on 127.0.0.1 (a free port) for the browser tests and demos.
// It never sends COOP/COEP headers: wasm_mt must work without cross-origin isolation.
// Every path is also served under /csp/ with a strict Content-Security-Policy that
// forbids 'unsafe-eval' (WebAssembly compilation itself allowed: 'wasm-unsafe-eval').
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

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

// Serves files from `roots` (first match wins). Resolves to {url, close()}.
export function startServer(roots) {
  const server = createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const csp = path === '/csp' || path.startsWith('/csp/');
    if (csp) path = path.slice(4) || '/';
    if (path.endsWith('/')) path += 'index.html';
    const headers = { 'Cache-Control': 'no-store' };
    if (csp) headers['Content-Security-Policy'] = strictCsp;
    for (const root of roots) {
      const file = normalize(join(root, path));
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
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise(done => { server.closeAllConnections(); server.close(done); }),
      });
    });
  });
}
