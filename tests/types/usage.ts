// How a tutorial's TypeScript uses crawlscope's published types. It is only
// compiled (tsc --noEmit, strict), never run: a wrong or missing type fails
// the types test in tests/e2e/types.spec.js.
import type { CrawlScopeElement, CrawlscopeDoneDetail } from '../../www/types/crawl-scope';
import type { CrawlOptions, Report, CrawlHandle, Lint, TraceFile, Fields } from '../../www/types/crawlscope';

const options: CrawlOptions = { roots: ['https://site.crawlscope.test/s/pages=30;latency=300;seed=1/'], maxTasks: 3, order: 'bfs',
  extract: { title: 'title', 'links[]': 'nav a@href' } };

export function titles(report: Report): (string | null)[] {
  return report.pages.map((p) => {
    const fields: Fields = p.fields ?? {};
    const title = fields.title;
    return typeof title === 'string' ? title : null;
  });
}

export async function crawlOnce(): Promise<number> {
  await window.crawlscope.virtualSite.ready();
  const handle: CrawlHandle = window.crawlscope.start(options);
  handle.pause();
  const polled: number = handle.step();
  handle.resume();
  const nothing: void = await handle.ended;
  const report: Report = await handle.done;
  const failed: number = report.counters.failed;
  const lints: Lint[] = handle.lints();
  const firstStep: number | undefined = lints.find((l) => l.kind === 'longPoll')?.step;
  const trace: TraceFile = window.crawlscope.traceEvents(handle.log());
  console.log(nothing, firstStep, trace.otherData.polls, handle.trace().traceEvents.length);
  return report.pages.length + failed + polled;
}

export function spiders(): string[] {
  const alone: string = window.crawlscope.scrapySpider(options);
  return [alone, window.crawlscope.scrapySpider(options, { redis: 'redis://127.0.0.1:6379/0' })];
}

export function listen(): string {
  const element: CrawlScopeElement | null = document.querySelector('crawl-scope');
  element?.addEventListener('crawlscope-done', (event) => {
    const detail: CrawlscopeDoneDetail = event.detail;
    console.log(detail.pages, detail.endReason);
  });
  element?.addEventListener('crawlscope-step', (event) => console.log(event.detail.lines?.join('\n')));
  return element?.iframeTag ?? '';
}
