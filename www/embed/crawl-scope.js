// <crawl-scope>: the playground as one HTML element, for authors who would
// rather write a script tag than an iframe.
//
//   <script type="module" src="https://example.org/crawlscope/www/crawl-scope.js"></script>
//   <crawl-scope site="virtual" pages="30" latency="300" max-tasks="3" speed="0.5"></crawl-scope>
//
// The element wraps an iframe of embed.html (found next to this module, so
// it works from any host and sub-path). The iframe keeps each crawl in its
// own window — several elements on a page never share a crawl — and lets the
// in-browser site's service worker control it. Attributes mirror the
// embed's fragment keys (maxTasks → max-tasks). What happens inside comes out
// as DOM events that bubble from the element:
//
//   crawlscope-step   detail: { step, task, lines }   (or a scene's step detail)
//   crawlscope-done   detail: { scene, endReason, pages, counters, elapsedMs } (or a scene's result)
//   crawlscope-error  detail: { message }             (bad settings, a crawl that cannot start)

import { KEYS, attributeName, keyOfAttribute, toFragment, iframeTag } from './embed-config.js';

const EMBED_URL = new URL('../../embed.html', import.meta.url).href;
const EVENT_TYPES = ['step', 'done', 'error'];

export class CrawlScopeElement extends HTMLElement {
  static observedAttributes = [...Object.keys(KEYS).map(attributeName), 'height'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = ':host { display: block; } iframe { display: block; width: 100%; border: 0; }';
    this.iframe = document.createElement('iframe');
    this.iframe.title = "crawlscope: a web crawler's tasks on the event loop";
    this.iframe.loading = 'lazy';
    root.append(style, this.iframe);
    this.onMessage = (event) => this.forward(event);
  }

  connectedCallback() {
    window.addEventListener('message', this.onMessage);
    this.update();
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
  }

  attributeChangedCallback() {
    if (this.isConnected) this.update();
  }

  /** The embed fragment the attributes describe; a bare boolean attribute (`autoplay`) means 1. */
  get fragment() {
    const config = {};
    for (const { name, value } of this.attributes) {
      const key = keyOfAttribute(name);
      if (!Object.hasOwn(KEYS, key)) continue;
      config[key] = value === '' && key === 'autoplay' ? '1' : value;
    }
    return toFragment(config);
  }

  /** The equivalent iframe tag, for authors who want to paste one instead. */
  get iframeTag() {
    return iframeTag(EMBED_URL, this.fragment, { height: this.getAttribute('height') ?? 520 });
  }

  update() {
    this.iframe.style.height = `${Number(this.getAttribute('height')) || 520}px`;
    const src = `${EMBED_URL}#${this.fragment}`;
    // Setting the same src again would reload the frame and lose a running crawl.
    if (this.iframe.getAttribute('src') !== src) this.iframe.setAttribute('src', src);
  }

  /** Re-dispatch this element's iframe messages as bubbling DOM events; other frames' are not ours. */
  forward(event) {
    if (event.source !== this.iframe.contentWindow) return;
    const data = event.data;
    if (!data || data.crawlscope !== 1 || !EVENT_TYPES.includes(data.type)) return;
    this.dispatchEvent(new CustomEvent(`crawlscope-${data.type}`, { detail: data.detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get('crawl-scope')) customElements.define('crawl-scope', CrawlScopeElement);
