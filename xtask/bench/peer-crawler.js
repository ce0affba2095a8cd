// The peer: the crawler a JS developer would write first. fetch, DOMParser,
// a shared queue and `maxTasks` async workers. Same scope rules as the
// engine's strict crawl of the test site (same host, http(s), no fragment,
// each URL once; a redirect's final URL counts as seen). It records nothing
// but the pages it fetched, so it is the floor of what a crawl costs.

import { domLinks } from './pages.js';

export async function peerCrawl({ root, maxTasks }) {
  const host = new URL(root).host;
  const seen = new Set([root]);
  const queue = [root];
  const pages = new Set();
  let busy = 0;
  let wake = []; // workers waiting for the queue to fill (or the crawl to end)

  const wakeAll = () => { for (const w of wake) w(); wake = []; };

  async function visit(url) {
    const response = await fetch(url);
    if (response.redirected) {
      if (pages.has(response.url)) return; // two URLs, one page: parse it once
      seen.add(response.url);
    }
    pages.add(response.url);
    if (!(response.headers.get('content-type') || '').includes('text/html')) {
      await response.arrayBuffer();
      return;
    }
    const html = await response.text();
    for (const link of domLinks(html, response.url)) {
      if (new URL(link).host !== host || seen.has(link)) continue;
      seen.add(link);
      queue.push(link);
    }
  }

  async function worker() {
    for (;;) {
      const url = queue.shift();
      if (url === undefined) {
        if (busy === 0) { wakeAll(); return; }
        await new Promise((resolve) => wake.push(resolve));
        continue;
      }
      busy++;
      try {
        await visit(url);
      } catch (error) {
        pages.add(url); // a failed fetch is still a URL dealt with
      } finally {
        busy--;
        wakeAll();
      }
    }
  }

  await Promise.all(Array.from({ length: maxTasks }, worker));
  return { pages: pages.size };
}
