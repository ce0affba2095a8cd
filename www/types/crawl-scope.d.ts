// Types of the <crawl-scope> element (www/crawl-scope.js).
//
//   import type {} from './types/crawl-scope';
//   document.querySelector('crawl-scope')!.addEventListener('crawlscope-done', (e) => e.detail.pages);

/** Attributes mirror the embed fragment's keys (maxTasks → max-tasks); all are strings in HTML. */
export interface CrawlScopeAttributes {
  root?: string;
  site?: 'virtual' | 'native';
  pages?: string;
  latency?: string;
  seed?: string;
  'max-tasks'?: string;
  'max-pages'?: string;
  'max-tries'?: string;
  'depth-limit'?: string;
  'delay-ms'?: string;
  'per-host-concurrency'?: string;
  order?: 'bfs' | 'dfs';
  /** Present (or "1"): start without waiting for Play. */
  autoplay?: '' | '0' | '1';
  speed?: '0.25' | '0.5' | '1' | '2' | '4' | 'max';
  view?: 'both' | 'graph' | 'lanes';
  scene?: 'crawler' | 'bulk' | 'spinner' | 'step';
  trace?: string;
  step?: string;
  /** Height of the frame in CSS pixels (default 520). */
  height?: string;
}

/** crawlscope-step from the crawler scene (other scenes send their own detail with `scene`). */
export interface CrawlscopeStepDetail {
  step?: number;
  task?: number | null;
  /** What the poll did, one line each (the embed's "Last step" text). */
  lines?: string[];
  scene?: string;
  [field: string]: unknown;
}

export interface CrawlscopeDoneDetail {
  scene: 'crawler' | 'bulk' | 'spinner' | 'step' | string;
  endReason?: 'complete' | 'stopped' | 'maxPages' | null;
  pages?: number;
  counters?: Record<string, number>;
  elapsedMs?: number;
  [field: string]: unknown;
}

export interface CrawlscopeErrorDetail {
  message: string;
  errors?: string[];
  option?: string | null;
}

export declare class CrawlScopeElement extends HTMLElement {
  /** The embed fragment these attributes describe. */
  readonly fragment: string;
  /** The equivalent <iframe> tag. */
  readonly iframeTag: string;
  readonly iframe: HTMLIFrameElement;
}

declare global {
  interface HTMLElementTagNameMap {
    'crawl-scope': CrawlScopeElement;
  }
  interface HTMLElementEventMap {
    'crawlscope-step': CustomEvent<CrawlscopeStepDetail>;
    'crawlscope-done': CustomEvent<CrawlscopeDoneDetail>;
    'crawlscope-error': CustomEvent<CrawlscopeErrorDetail>;
  }
}
