"""`solieu fetch URLS.txt [-o pages.jsonl]`: the pages of a list of addresses, saved as documents.

The list is a text file (one http(s) address a line, `#` comments), a sitemap
or an RSS/Atom feed. The output is JSON Lines of documents that `extract` and
`ingest` read; a second run skips every address already in it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from solieu.pipeline.cli import byte_size, non_negative_seconds, positive_int
from solieu.pipeline.fetch import (
    DEFAULT_BACKOFF,
    DEFAULT_DELAY,
    DEFAULT_HOSTS,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    ListError,
    PageProgress,
    Politeness,
    default_output,
    pages_problem,
    fetch_pages,
    read_list,
    write_errors,
)
from solieu.pipeline.read import DEFAULT_MAX_SIZE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fetch", help="download the pages of a list of addresses (text, sitemap or RSS) as documents",
    )
    parser.add_argument("lists", nargs="+", metavar="LIST",
                        help="a text file of addresses (one URL a line), a sitemap.xml or an RSS/Atom feed")
    parser.add_argument("-o", "--output",
                        help="JSON Lines of fetched pages, appended to (default: LIST.pages.jsonl beside the list)")
    parser.add_argument("--errors", help="JSON Lines of failed addresses (default: OUTPUT.errors.jsonl)")
    parser.add_argument("--delay", type=non_negative_seconds, default=DEFAULT_DELAY, metavar="SECONDS",
                        help="pause between two requests to the same site (default: %(default)s; "
                             "a larger Crawl-delay in robots.txt wins)")
    parser.add_argument("--retries", type=int, default=DEFAULT_RETRIES, metavar="N",
                        help="retries after a timeout, 429 or 5xx, with doubling pauses (default: %(default)s)")
    parser.add_argument("--backoff", type=non_negative_seconds, default=DEFAULT_BACKOFF, metavar="SECONDS",
                        help="pause before the first retry (default: %(default)s)")
    parser.add_argument("--timeout", type=non_negative_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="the longest a whole page may take: connection, headers and body (default: %(default)s)")
    parser.add_argument("--hosts", type=positive_int, default=DEFAULT_HOSTS, metavar="N",
                        help="sites fetched side by side, each one request at a time (default: %(default)s)")
    parser.add_argument("--user-agent", default=USER_AGENT, help="how the requests introduce themselves")
    parser.add_argument("--max-size", type=byte_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
                        help="largest page to download (default: 20MB)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line; errors only")
    parser.set_defaults(func=run, parser=parser)


def output_problem(output: Path, errors: Path, lists: list[Path]) -> str | None:
    """Why the pages cannot go where asked (a folder, a list, the errors file, a file of something else),
    checked before any request."""
    from solieu.pipeline.outputs import guard_outputs
    from solieu.pipeline.write import OutputError

    if output.is_dir():
        return f"{output}: is a folder; -o names the JSON Lines file of pages"
    if any(output.exists() and path.exists() and output.samefile(path) for path in lists):
        return f"{output}: is the list of addresses itself; pages go to another file"
    try:
        guard_outputs([output, errors], lists)
    except OutputError as error:
        return str(error)
    return pages_problem(output)


def run(args: argparse.Namespace) -> int:
    if args.retries < 0:
        args.parser.error("--retries must be 0 or more")
    lists = [Path(p) for p in args.lists]
    if len(lists) > 1 and args.output is None:
        args.parser.error("several lists need one -o OUTPUT for their pages")
    try:
        addresses = [address for path in lists for address in read_list(path)]
    except ListError as error:
        print(f"solieu: {error}", file=sys.stderr)
        return 2
    output = Path(args.output) if args.output else default_output(lists[0])
    errors = Path(args.errors) if args.errors else output.with_name(output.name + ".errors.jsonl")
    problem = output_problem(output, errors, lists)
    if problem:
        print(f"solieu: {problem}", file=sys.stderr)
        return 2
    politeness = Politeness(user_agent=args.user_agent, delay=args.delay, retries=args.retries,
                            backoff=args.backoff, timeout=args.timeout, hosts=args.hosts,
                            max_size=args.max_size)
    progress = PageProgress(quiet=args.quiet)
    try:
        result = fetch_pages(addresses, output, politeness, progress=progress)
    finally:
        progress.close()
    write_errors(result.failed, errors)
    if not args.quiet:
        where = f"; failures in {errors}" if result.failed else ""
        print(f"solieu: {result.summary()} → {output}{where}", file=sys.stderr)
    return 1 if result.failed else 0
