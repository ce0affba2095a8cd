
# ---------------------------------------------------------------- many processes, one frontier in Redis

import time
import warnings

from scrapy.core.engine import ExecutionEngine
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy_redis.spiders import RedisSpider

# An idle worker looks at the shared queue at each engine heartbeat: every second, not Scrapy's 5 s,
# so a worker started beside a busy one joins in at once.
ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 1.0

# scrapy-redis 0.9.1 still calls APIs Scrapy 2.13+ deprecates: the warnings are about it, not this crawl.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

# Claim a URL atomically: of two workers that find one link, one enqueues it.
# KEYS: the seen set, the put counter; ARGV: url, maxPages (0: no budget).
CLAIM = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
local budget = tonumber(ARGV[2])
if budget > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= budget then return 2 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
"""


class Frontier:
    """Every URL enqueued or reached by a redirect, and the maxPages budget, in Redis, shared by all workers.

    The seen set is the crawl's dupefilter: exact URLs, as the engine
    deduplicates (Scrapy's request fingerprints would also merge URLs that
    differ only in query order), checked when a link is found, because the
    budget and the alias rule need to know then whether it is new.
    """

    def __init__(self, server, max_pages):
        self.server = server
        self.max_pages = max_pages
        self.keys = [f"{KEY}:seen", f"{KEY}:puts"]
        self.script = server.register_script(CLAIM)

    def seen(self, url):
        return bool(self.server.sismember(self.keys[0], url))

    def mark(self, url):
        return self.server.sadd(self.keys[0], url) == 1

    def claim(self, url, budget=True):
        answer = self.script(keys=self.keys, args=[url, self.max_pages if budget else 0])
        return {0: "duplicate", 1: "new", 2: "budget"}[int(answer)]


class CrawlscopeSpider(CrawlscopeRules, RedisSpider):
    custom_settings = SETTINGS
    # scrapy-redis would also take start URLs pushed to this list; the roots are seeded by start() instead.
    redis_key = f"{KEY}:start_urls"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)  # connects self.server
        spider.frontier = Frontier(spider.server, CRAWL["maxPages"])
        spider.busy_at = time.monotonic()
        crawler.signals.connect(spider.touch, signal=scrapy.signals.response_received)
        return spider

    def touch(self, *args, **kwargs):
        self.busy_at = time.monotonic()

    async def start(self):
        # Every worker seeds the roots; the seen set lets only the first one enqueue each.
        for request in self.roots():
            yield request

    def spider_idle(self):
        """Stay while the shared queue may still get work; close after MAX_IDLE_TIME_BEFORE_CLOSE s of nothing."""
        if self.server.llen(f"{KEY}:requests"):
            self.touch()
        if time.monotonic() - self.busy_at >= self.max_idle_time > 0:
            return
        raise DontCloseSpider
