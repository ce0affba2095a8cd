// The pages link extraction is timed on, and the browser's own extractor.
//
// Pages are generated from a seeded PRNG, so every run parses the same
// bytes. They are built from blocks a real site has and a naive scanner
// gets wrong: scripts and styles holding `<a href>` in strings, comments,
// entities in text and in hrefs, <noscript> (markup: DOMParser runs no
// scripts), <template> (inert, not part of the document), a <base href>,
// image maps, iframes, <link rel> of every kind, non-http schemes,
// duplicates and fragments, unquoted and upper-case markup, non-ASCII text.

/** The URL every bench page is treated as having been fetched from. */
export const PAGE_URL = 'http://bench.crawlscope.invalid/site/section/page.html';

/** The elements a crawl looks at: the engine's `links::LINK_SELECTOR`. */
export const LINK_SELECTOR = 'a[href], area[href], link[href], frame[src], iframe[src]';

/** mulberry32: tiny, seeded, the same sequence in every engine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('crawl queue fetch parse link page task worker event loop browser frame tokio async await ' +
  'résumé naïve façade Ωmega 東京 данные').split(' ');

function text(r, n) {
  let out = '';
  for (let i = 0; i < n; i++) out += `${WORDS[Math.floor(r() * WORDS.length)]} `;
  return out;
}

/** One block of body markup; `i` makes URLs differ, `r` picks the kind. */
function block(r, i) {
  const n = Math.floor(r() * 400); // repeats: some URLs appear many times (dedupe)
  switch (Math.floor(r() * 12)) {
    case 0: return `<p>${text(r, 12)} &amp; &lt;tags&gt; &eacute;t&eacute; &#8212; &copy; &nbsp;
      <a href="articles/${n}.html?lang=fr&amp;page=${i}#top">${text(r, 3)}</a>
      <a href="/abs/${n}/">${text(r, 2)}</a> <a href="#comments">skip</a></p>\n`;
    case 1: return `<ul class="nav"><li><a href="../up/${n}">up</a></li><li><a href="./same/${i}">same</a></li>
      <li><A HREF=/shout/${n}>SHOUT</A></li><li><a href='single/${n}'>single</a></li>
      <li><a href=unquoted/${i}?q=a&amp;b=c>unquoted</a></li><li><a name="anchor-${i}">no href</a></li></ul>\n`;
    case 2: return `<script>var html = '<a href="/in-script/${i}">no</a>'; if (a < b && c > d) { go("</p>"); }
      // <a href="/in-script-comment/${i}"></script>
      <script type="application/ld+json">{"url": "https://bench.crawlscope.invalid/ld/${i}"}</script>\n`;
    case 3: return `<!-- <a href="/in-comment/${i}">old nav</a> --><style>a[href^="http"]::after { content: "<a href='/in-style'>"; }</style>
      <p>${text(r, 20)}</p>\n`;
    case 4: return `<noscript><p>Without JavaScript: <a href="/noscript/${n}">plain page</a></p>
      <img src="/pixel.gif" alt=""></noscript>\n`;
    case 5: return `<template id="t${i}"><li><a href="/template/${i}">inert</a></li><div><a href="/template/deep/${n}">x</a></div></template>\n`;
    case 6: return `<img src="/map.png" usemap="#m${i}"><map name="m${i}"><area shape="rect" coords="0,0,9,9" href="/area/${n}" alt="a">
      <area shape="rect" coords="9,9,19,19" alt="no href"></map>\n`;
    case 7: return `<iframe src="/embed/${n}?autoplay=0" title="embed"></iframe><frame src="/frame-outside-frameset/${i}">\n`;
    case 8: return `<p><a href="mailto:team@bench.invalid">mail</a> <a href="javascript:void(0)">js</a>
      <a href="tel:+1555${i}">tel</a> <a href="https://other.example/path/${n}">off-host</a>
      <a href="//cdn.example/lib/${n}.js">protocol-relative</a> <a href="?q=${n}">query only</a>
      <a href="">empty</a> <a href=" spaced/${n} ">spaced</a> <a href="http://[bad">invalid</a></p>\n`;
    case 9: return `<table><tr><td><a href="/caf&eacute;/${n}">café</a></td><td><a href="/東京/${n}">東京</a></td>
      <td><a href="/percent%20encoded/${n}">pct</a></td><td><a href="/a/b/../c/${n}">dots</a></td></tr></table>\n`;
    case 10: return `<textarea><a href="/in-textarea/${i}">rcdata</a></textarea><title>x</title>
      <svg width="1" height="1"><a href="/svg-link/${n}"><text>svg</text></a></svg>\n`;
    default: return `<article><h2>${text(r, 4)}</h2><p>${text(r, 30)}</p>
      <p><a href="posts/${n}">${text(r, 4)}</a> ${text(r, 10)}</p></article>\n`;
  }
}

/** A page of about `bytes` bytes (UTF-8), the same for the same arguments. */
export function makePage(bytes, seed = 7) {
  const r = rng(seed);
  let html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bench page &amp; friends</title>
<base href="/site/docs/v2/">
<link rel="stylesheet" href="/style.css"><link rel="canonical" href="https://bench.crawlscope.invalid/canonical">
<link rel="next" href="page-2.html"><link rel="Prev" href="page-0.html">
<link rel="alternate" hreflang="fr" href="/fr/page.html"><link rel="icon" href="/favicon.ico">
</head><body>\n`;
  const tail = '</body></html>\n';
  const encoder = new TextEncoder();
  let size = encoder.encode(html).length + tail.length;
  for (let i = 0; size < bytes; i++) {
    const piece = block(r, i);
    html += piece;
    size += encoder.encode(piece).length;
  }
  return html + tail;
}

/** Whether a space-separated rel list holds `token` (ASCII case-insensitive). */
function hasToken(list, token) {
  return (list || '').split(/[\t\n\f\r ]+/).some((t) => t.toLowerCase() === token);
}

/**
 * The browser's answer: DOMParser (scripting off, like any parsed-not-shown
 * document) + querySelectorAll (which never enters <template> content) +
 * new URL() against <base href>. The same rules as the engine, written the
 * plain way: follow a/area, link only for alternate/next/prev, frames by
 * src; http(s) only; no fragment; first occurrence wins.
 */
export function domLinks(html, pageUrl) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let base = pageUrl;
  const baseEl = doc.querySelector('base[href]');
  if (baseEl) {
    try {
      const u = new URL(baseEl.getAttribute('href'), pageUrl);
      if (u.protocol === 'http:' || u.protocol === 'https:') base = u.href;
    } catch { /* an unusable <base> is ignored, as browsers do */ }
  }
  const seen = new Set();
  const out = [];
  for (const el of doc.querySelectorAll(LINK_SELECTOR)) {
    const name = el.localName;
    if (name === 'link' && !['alternate', 'next', 'prev'].some((t) => hasToken(el.getAttribute('rel'), t))) continue;
    const raw = el.getAttribute(name === 'frame' || name === 'iframe' ? 'src' : 'href');
    let url;
    try { url = new URL(raw, base); } catch { continue; }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    url.hash = '';
    if (!seen.has(url.href)) {
      seen.add(url.href);
      out.push(url.href);
    }
  }
  return out;
}
