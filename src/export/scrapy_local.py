
# ---------------------------------------------------------------- one process


class Frontier:
    """Every URL enqueued or reached by a redirect, and the maxPages budget, in this process."""

    def __init__(self, max_pages):
        self.urls = set()
        self.puts = 0
        self.max_pages = max_pages

    def seen(self, url):
        return url in self.urls

    def mark(self, url):
        """Record a redirect's final URL; whether it was new."""
        if url in self.urls:
            return False
        self.urls.add(url)
        return True

    def claim(self, url, budget=True):
        """'new' (enqueue it: seen now, one put of the budget), 'duplicate' or 'budget'."""
        if url in self.urls:
            return "duplicate"
        if budget and self.max_pages and self.puts >= self.max_pages:
            return "budget"
        self.urls.add(url)
        self.puts += 1
        return "new"


class CrawlscopeSpider(CrawlscopeRules, scrapy.Spider):
    custom_settings = SETTINGS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frontier = Frontier(CRAWL["maxPages"])

    async def start(self):
        for request in self.roots():
            yield request
