// A tutorial's web host for the embed scenarios: the built playground
// (dist/) under /crawlscope/, beside pages a test writes (a blog post with
// an iframe, one with <crawl-scope> elements). Same origin as the embed, so
// its module script loads without CORS, as on a real blog that copied it.
// WebDriver cannot fake responses (Playwright's page.route), hence a server.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const DIST = process.env.DIST_DIR ?? path.resolve(__dirname, '../../dist');
const PREFIX = '/crawlscope/';
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Starts the host on a free port of 127.0.0.1: { url, page(path, html), close }. */
async function startHost() {
  const pages = new Map();
  const server = http.createServer((request, response) => {
    const send = (status, type, body) => {
      response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    };
    const { pathname } = new URL(request.url, 'http://host');
    if (pages.has(pathname)) return send(200, TYPES['.html'], pages.get(pathname));
    if (!pathname.startsWith(PREFIX)) return send(404, 'text/plain', 'not found');
    const file = path.join(DIST, decodeURIComponent(pathname.slice(PREFIX.length)) || 'index.html');
    if (!file.startsWith(DIST + path.sep)) return send(404, 'text/plain', 'not found');
    fs.readFile(file, (error, bytes) => {
      if (error) return send(404, 'text/plain', 'not found');
      send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', bytes);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    embed: `${url}${PREFIX}embed.html`,
    page: (pathname, html) => { pages.set(pathname, html); return `${url}${pathname}`; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

module.exports = { startHost, PREFIX };
