"""Python scripts: runnable CLIs that print, a config with a hard-coded AWS key,
shell=True, and a deeply nested legacy function (for the quality dashboard)."""

WORD_FREQ = r'''# File: wordfreq.py
"""Count the most frequent words in a text (stdin, a file, or the built-in sample)."""
import argparse
import re
import sys
from collections import Counter

SAMPLE = """
The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
A fox is quick, a dog is lazy, and the afternoon is long and warm.
"""
STOPWORDS = {"a", "an", "and", "is", "the", "over", "of", "to"}


def top_words(text: str, n: int = 5, keep_stopwords: bool = False) -> list[tuple[str, int]]:
    words = re.findall(r"[a-z']+", text.lower())
    if not keep_stopwords:
        words = [w for w in words if w not in STOPWORDS]
    return Counter(words).most_common(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", help="text file; '-' for stdin; omit for the sample")
    parser.add_argument("-n", type=int, default=5, help="how many words to show")
    parser.add_argument("--keep-stopwords", action="store_true")
    args = parser.parse_args(argv)
    if args.path == "-":
        text = sys.stdin.read()
    elif args.path:
        with open(args.path, encoding="utf-8") as fh:
            text = fh.read()
    else:
        text = SAMPLE
    for word, count in top_words(text, args.n, args.keep_stopwords):
        print(f"{word:<12} {count:>4} {'#' * count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''

RETRY = r'''# File: utils/retry.py
import functools
import logging
import random
import time

log = logging.getLogger(__name__)


def retry(attempts: int = 4, base_delay: float = 0.2, max_delay: float = 5.0, exceptions=(Exception,)):
    """Retry a function with exponential backoff and full jitter."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except exceptions as exc:
                    if attempt == attempts:
                        raise
                    delay = random.uniform(0, min(max_delay, base_delay * 2 ** attempt))
                    log.warning("%s failed (%s), retry %d/%d in %.2fs", fn.__name__, exc, attempt, attempts, delay)
                    time.sleep(delay)
        return wrapper

    return decorator
'''

# Planted security problem: a hard-coded AWS-style access key in a config module.
S3_BACKUP_CONFIG = r'''# File: backup/config.py
import os

AWS_REGION = os.environ.get("AWS_REGION", "eu-west-1")
AWS_ACCESS_KEY_ID = "AKIAQ3DEMO7EXAMPLE42"
AWS_SECRET_ACCESS_KEY = "q7Lr2VxN9dEmOnLy+FakeKeyForDemo0a1b2c3d4"
BUCKET = "acme-nightly-backups"
PREFIX = "postgres/"
RETENTION_DAYS = 14
'''

S3_BACKUP = r'''# File: backup/run_backup.py
import datetime as dt
import gzip
import subprocess
from pathlib import Path

import boto3

from backup import config
from utils.retry import retry


def dump_database(dsn: str, out_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"db-{stamp}.sql.gz"
    dump = subprocess.run(["pg_dump", "--no-owner", dsn], check=True, capture_output=True)
    with gzip.open(target, "wb") as fh:
        fh.write(dump.stdout)
    return target


@retry(attempts=5)
def upload(path: Path) -> str:
    s3 = boto3.client(
        "s3",
        region_name=config.AWS_REGION,
        aws_access_key_id=config.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=config.AWS_SECRET_ACCESS_KEY,
    )
    key = config.PREFIX + path.name
    s3.upload_file(str(path), config.BUCKET, key)
    return key


def prune_old(now: dt.datetime) -> int:
    s3 = boto3.client("s3", region_name=config.AWS_REGION)
    cutoff = now - dt.timedelta(days=config.RETENTION_DAYS)
    removed = 0
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=config.BUCKET, Prefix=config.PREFIX)
    for page in pages:
        for obj in page.get("Contents", []):
            if obj["LastModified"] < cutoff:
                s3.delete_object(Bucket=config.BUCKET, Key=obj["Key"])
                removed += 1
    return removed


if __name__ == "__main__":
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        archive = dump_database(os.environ["DATABASE_URL"], Path(tmp))
        print("uploaded", upload(archive))
    print("pruned", prune_old(dt.datetime.now(dt.timezone.utc)), "old backups")
'''

# Planted security problem: shell=True with a path that comes from the command line.
GIT_STATS = r'''# File: gitstats.py
import subprocess
import sys
from collections import Counter


def run(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout


def authors(repo: str, since: str) -> Counter:
    out = run(f"cd {repo} && git log --since='{since}' --pretty=format:%an")
    return Counter(line for line in out.splitlines() if line)


def churn(repo: str, since: str) -> tuple[int, int]:
    out = run(f"cd {repo} && git log --since='{since}' --numstat --pretty=format:")
    added = removed = 0
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].isdigit():
            added += int(parts[0])
            removed += int(parts[1])
    return added, removed


if __name__ == "__main__":
    repo = sys.argv[1] if len(sys.argv) > 1 else "."
    since = sys.argv[2] if len(sys.argv) > 2 else "30 days ago"
    for name, n in authors(repo, since).most_common(10):
        print(f"{n:5d}  {name}")
    a, r = churn(repo, since)
    print(f"+{a} / -{r} lines since {since}")
'''

# Low-quality code on purpose: one long function, nesting six levels deep.
ORDER_PROCESSOR = r'''# File: orders.py
ORDERS = [
    {"id": 1, "customer": "acme", "items": [{"sku": "A1", "qty": 3, "price": 9.5}], "country": "DE", "coupon": None},
    {"id": 2, "customer": "globex", "items": [{"sku": "B2", "qty": 0, "price": 20.0}], "country": "US", "coupon": "SAVE10"},
    {"id": 3, "customer": "initech", "items": [{"sku": "C3", "qty": 12, "price": 4.0}, {"sku": "A1", "qty": 1, "price": 9.5}], "country": "FR", "coupon": "BULK"},
    {"id": 4, "customer": "acme", "items": [], "country": "DE", "coupon": None},
]


def process(orders):
    report = []
    for o in orders:
        if o is not None:
            if "items" in o:
                if len(o["items"]) > 0:
                    total = 0
                    for it in o["items"]:
                        if it["qty"] > 0:
                            if it["price"] > 0:
                                line = it["qty"] * it["price"]
                                if o["coupon"] is not None:
                                    if o["coupon"] == "SAVE10":
                                        line = line * 0.9
                                    else:
                                        if o["coupon"] == "BULK":
                                            if it["qty"] >= 10:
                                                line = line * 0.8
                                            else:
                                                line = line
                                        else:
                                            line = line
                                total = total + line
                            else:
                                print("bad price in order", o["id"])
                        else:
                            print("skipping empty line in order", o["id"])
                    if o["country"] == "DE":
                        total = total * 1.19
                    else:
                        if o["country"] == "FR":
                            total = total * 1.20
                        else:
                            if o["country"] == "US":
                                total = total
                            else:
                                total = total * 1.2
                    if total > 0:
                        report.append((o["id"], o["customer"], round(total, 2)))
                    else:
                        print("order", o["id"], "has zero total")
                else:
                    print("order", o["id"], "has no items")
            else:
                print("order without items key")
        else:
            print("None order")
    return report


if __name__ == "__main__":
    for row in process(ORDERS):
        print(row)
'''

# The fork's refactor: the same behaviour with guard clauses and small functions.
ORDER_PROCESSOR_REFACTORED = r'''# File: orders.py
ORDERS = [
    {"id": 1, "customer": "acme", "items": [{"sku": "A1", "qty": 3, "price": 9.5}], "country": "DE", "coupon": None},
    {"id": 2, "customer": "globex", "items": [{"sku": "B2", "qty": 0, "price": 20.0}], "country": "US", "coupon": "SAVE10"},
    {"id": 3, "customer": "initech", "items": [{"sku": "C3", "qty": 12, "price": 4.0}, {"sku": "A1", "qty": 1, "price": 9.5}], "country": "FR", "coupon": "BULK"},
    {"id": 4, "customer": "acme", "items": [], "country": "DE", "coupon": None},
]
VAT = {"DE": 1.19, "FR": 1.20, "US": 1.0}
DEFAULT_VAT = 1.2


def line_total(item: dict, coupon: str | None) -> float:
    amount = item["qty"] * item["price"]
    if coupon == "SAVE10":
        return amount * 0.9
    if coupon == "BULK" and item["qty"] >= 10:
        return amount * 0.8
    return amount


def order_total(order: dict) -> float:
    valid = [it for it in order["items"] if it["qty"] > 0 and it["price"] > 0]
    net = sum(line_total(it, order["coupon"]) for it in valid)
    return net * VAT.get(order["country"], DEFAULT_VAT)


def process(orders: list[dict]) -> list[tuple[int, str, float]]:
    report = []
    for order in orders:
        if not order or not order.get("items"):
            continue
        total = order_total(order)
        if total > 0:
            report.append((order["id"], order["customer"], round(total, 2)))
    return report


if __name__ == "__main__":
    for row in process(ORDERS):
        print(row)
'''

TOKEN_BUCKET = r'''# File: ratelimit/bucket.py
import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Allow `rate` requests per second with bursts up to `capacity`."""

    rate: float
    capacity: float
    clock: callable = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def allow(self, cost: float = 1.0) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


if __name__ == "__main__":
    fake_now = [0.0]
    bucket = TokenBucket(rate=2, capacity=5, clock=lambda: fake_now[0])
    for step in range(12):
        fake_now[0] = step * 0.25
        verdict = "allowed" if bucket.allow() else "throttled"
        print(f"t={fake_now[0]:4.2f}s request {step + 1:2d}: {verdict} ({bucket.tokens:.2f} tokens left)")
'''

INVENTORY_REPORT = r'''# File: inventory_report.py
"""Print a stock report: what to reorder, and the value of what is on the shelves."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    on_hand: int
    reorder_at: int
    unit_cost: float


STOCK = [
    Item("KB-101", "Mechanical keyboard", 14, 10, 54.90),
    Item("MS-220", "Wireless mouse", 6, 15, 18.50),
    Item("MN-270", "27in monitor", 3, 4, 219.00),
    Item("CB-USB", "USB-C cable 1m", 120, 50, 2.10),
    Item("HD-500", "Noise cancelling headset", 0, 5, 89.99),
]


def needs_reorder(items: list[Item]) -> list[Item]:
    return [i for i in items if i.on_hand <= i.reorder_at]


def stock_value(items: list[Item]) -> float:
    return sum(i.on_hand * i.unit_cost for i in items)


def main() -> None:
    print(f"{'SKU':<8}{'Item':<28}{'On hand':>8}{'Value':>12}")
    for i in STOCK:
        flag = "  <- reorder" if i in needs_reorder(STOCK) else ""
        print(f"{i.sku:<8}{i.name:<28}{i.on_hand:>8}{i.on_hand * i.unit_cost:>12.2f}{flag}")
    print(f"\nTotal stock value: {stock_value(STOCK):,.2f}")
    print(f"Items to reorder: {len(needs_reorder(STOCK))}")


if __name__ == "__main__":
    main()
'''
