// A plain static file server, like any web host: no special headers, no
// config.json, nothing but the files of one directory under one URL prefix.
// The virtual-site tests use it to prove the playground needs nothing from
// the server it is copied to, even a few directories deep.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

/** Content types by extension; `.wasm` must be application/wasm for instantiateStreaming. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serve `dir` under the URL path `prefix` (e.g. '/tutorials/async/crawlscope/')
 * on a free port of 127.0.0.1. Everything outside the prefix, and every
 * missing file, is a 404. Resolves to { url, close }, `url` being the
 * prefix's absolute URL.
 */
async function serveStatic(dir, prefix) {
  const root = path.resolve(dir);
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const server = http.createServer((request, response) => {
    const notFound = () => {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('not found');
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url, 'http://host').pathname);
    } catch {
      return notFound();
    }
    if (!pathname.startsWith(base) || (request.method !== 'GET' && request.method !== 'HEAD')) return notFound();
    let file = path.join(root, pathname.slice(base.length));
    // path.join normalises `..`: anything that left the directory is refused.
    if (file !== root && !file.startsWith(root + path.sep)) return notFound();
    if (pathname.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (error, bytes) => {
      if (error) return notFound();
      response.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': bytes.length,
      });
      response.end(request.method === 'HEAD' ? undefined : bytes);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

module.exports = { serveStatic };
