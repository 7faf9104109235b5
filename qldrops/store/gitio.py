"""Git in and out: a workflow's history as a git repository, and back (dulwich, pure Python).

Export: each version of each live drop of the workflow is one commit (author = who
wrote it, date = when, message = its message), in time order, on branch ``main``;
the tree holds every drop at that point as a file (its metadata ``filename``, else
``<drop_type>/<n>.txt``) plus ``.qldrops/meta/<file>.json`` (drop type and
metadata, so an import restores them). A fork of the workflow becomes a branch that
starts at the last commit before the fork, named after the fork's workflow id (a
fork called ``W:name`` of workflow ``W`` exports as ``name``); a fork of a fork becomes a
branch off its fork's branch, and so on down.

Import: walks ``main`` commit by commit (first parents) and writes each changed
file as a new drop or a new version, with the commit's author, date and message;
then every other branch becomes a fork ``W:branch`` made at its branch point, of the branch
it shares the longest history with (main on a tie): a branch off a branch is a fork of a
fork. Export, import, export gives identical trees, messages, authors and dates.
Dates are whole seconds (git's): an import writes the commit's second, so a round trip
keeps times at second precision (sub-second parts are dropped; tests compare at seconds),
and versions written within one second keep their order only if their drops were
created in that order. A file a commit deletes is not
deleted in qldrops (its drop keeps its last version). Every file of the history is
checked first (text, within the size limit): a repository qldrops cannot hold is
refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import Conflict, DependencyMissing, NotFound, ValidationError
from . import schema as t

if TYPE_CHECKING:
    from .core import DropStore

META_DIR = ".qldrops/meta/"
MAIN = b"refs/heads/main"


def _dulwich():
    try:
        import dulwich  # noqa: F401
    except ImportError:  # pragma: no cover - dulwich is a core dependency
        raise DependencyMissing("dulwich", "git export and import") from None


@dataclass
class _Version:
    drop_id: int
    version: int
    text: str
    drop_type: str
    metadata: dict[str, Any]
    created_at: dt.datetime
    created_by: str | None
    message: str | None
    op: str
    forked_from: int | None


def _versions(store: DropStore, workflow_id: str) -> list[_Version]:
    d, v, b = t.drops, t.drop_versions, t.blobs
    q = (sa.select(v.c.drop_id, v.c.version, v.c.metadata, v.c.created_at, v.c.created_by, v.c.message, v.c.op,
                   d.c.drop_type, d.c.forked_from, v.c.content_hash, b.c.codec, b.c.data)
         .join(d, d.c.id == v.c.drop_id).join(b, b.c.hash == v.c.content_hash)
         .where(d.c.workspace == store.workspace, d.c.workflow_id == workflow_id, d.c.deleted_at.is_(None))
         .order_by(v.c.created_at, v.c.drop_id, v.c.version))
    with store.reading() as conn:
        return [_Version(r.drop_id, r.version, store.blob_bytes(r.codec, r.data, r.content_hash).decode("utf-8"),
                         r.drop_type,
                         r.metadata or {}, r.created_at, r.created_by, r.message, r.op, r.forked_from)
                for r in conn.execute(q)]


def _safe_path(name: Any) -> str | None:
    if not isinstance(name, str) or not name or "\\" in name or name.startswith("/"):
        return None
    norm = posixpath.normpath(name)
    if norm.startswith(("..", ".qldrops", ".git")) or norm in (".", ""):
        return None
    return norm


def _commit(repo, files: dict[str, bytes], parent: bytes | None, author: str, when: dt.datetime,
            message: str) -> bytes:
    from dulwich.index import commit_tree
    from dulwich.objects import Blob, Commit

    entries = []
    for path in sorted(files):
        blob = Blob.from_string(files[path])
        repo.object_store.add_object(blob)
        entries.append((path.encode("utf-8"), blob.id, 0o100644))
    c: Any = Commit()
    c.tree = commit_tree(repo.object_store, entries)
    c.parents = [parent] if parent else []
    who = author.replace("<", "(").replace(">", ")").replace("\n", " ").strip() or "unknown"
    c.author = c.committer = f"{who} <>".encode()
    c.author_time = c.commit_time = int(when.timestamp())
    c.author_timezone = c.commit_timezone = 0
    c.encoding = b"UTF-8"
    c.message = message.encode("utf-8")
    repo.object_store.add_object(c)
    return c.id


def _meta_json(drop_type: str, metadata: dict) -> bytes:
    return (json.dumps({"drop_type": drop_type, "metadata": metadata}, sort_keys=True, ensure_ascii=False,
                       indent=1) + "\n").encode("utf-8")


def export(store: DropStore, workflow_id: str, path: str | Path) -> dict[str, Any]:
    """Write ``workflow_id`` (and its forks, as branches) to a new git repository at ``path``."""
    _dulwich()
    from dulwich.repo import Repo

    store._authorize("read")
    target = Path(path)
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"{target} exists and is not empty", hint="export into a new or empty folder")
    main = _versions(store, workflow_id)
    if not main:
        raise NotFound(f"workflow {workflow_id!r} has no live drops to export",
                       hint="check the name with `qldrops list`")
    target.mkdir(parents=True, exist_ok=True)
    repo: Any = Repo.init(str(target), default_branch=b"main")  # dulwich's ref/object types: bytes here
    try:
        paths: dict[int, str] = {}
        commits: list[tuple[dt.datetime, bytes]] = []
        files: dict[str, bytes] = {}
        head = _replay(repo, main, paths, files, None, commits)
        repo.refs[MAIN] = head
        branches = {"main": len(commits)}
        _export_forks(store, repo, workflow_id, workflow_id, commits, paths, branches)
        _checkout(repo)
    finally:
        repo.close()
    return {"path": str(target), "branches": branches, "commits": sum(branches.values())}


def _export_forks(store: DropStore, repo: Any, root: str, workflow_id: str, commits: list[tuple[dt.datetime, bytes]],
                  paths: dict[int, str], branches: dict[str, int]) -> None:
    """Each fork of ``workflow_id`` as a branch off its commits (``commits``: that branch's whole chain),
    and the forks of those forks as branches off theirs."""
    for fork in _forks(store, workflow_id):
        fork_versions = _versions(store, fork)
        if not fork_versions:
            continue
        start = min(v.created_at for v in fork_versions)
        base = [(when, c) for when, c in commits if when <= start]
        parent = base[-1][1] if base else None
        state = _tree_files(repo, parent) if parent else {}
        fpaths = dict(paths)
        for v in fork_versions:  # a forked drop keeps its source's file
            if v.forked_from in paths:
                fpaths[v.drop_id] = paths[v.forked_from]
        fork_commits: list[tuple[dt.datetime, bytes]] = []
        tip = _replay(repo, [v for v in fork_versions if v.op != "fork"], fpaths, state, parent, fork_commits)
        name = fork[len(root) + 1:] if fork.startswith(root + ":") else fork
        if tip is not None:
            repo.refs[b"refs/heads/" + name.encode("utf-8")] = tip
            branches[name] = len(fork_commits)
        _export_forks(store, repo, root, fork, base + fork_commits, fpaths, branches)


def _forks(store: DropStore, workflow_id: str) -> list[str]:
    w = t.workflows.c
    with store.reading() as conn:
        return list(conn.execute(sa.select(w.workflow_id).where(w.workspace == store.workspace,
                                                                 w.forked_from == workflow_id)
                                 .order_by(w.created_at, w.workflow_id)).scalars())


def _replay(repo, versions: list[_Version], paths: dict[int, str], files: dict[str, bytes],
            parent: bytes | None, commits: list[tuple[dt.datetime, bytes]]) -> bytes | None:
    """One commit per version, on top of ``parent``; ``files`` is the tree as it grows."""
    head = parent
    for v in versions:
        if v.drop_id not in paths:
            name = _safe_path(v.metadata.get("filename"))
            if name is None or name in paths.values():
                name = f"{v.drop_type}/{len(paths) + 1:04d}.txt"
            paths[v.drop_id] = name
        p = paths[v.drop_id]
        files[p] = v.text.encode("utf-8")
        files[META_DIR + p + ".json"] = _meta_json(v.drop_type, v.metadata)
        message = v.message or f"{v.op} {p}"
        head = _commit(repo, files, head, v.created_by or "unknown", v.created_at, message)
        commits.append((v.created_at, head))
    return head


def _tree_files(repo, commit_id: bytes) -> dict[str, bytes]:
    tree = repo[commit_id].tree
    return {e.path.decode("utf-8"): repo.object_store[e.sha].data
            for e in repo.object_store.iter_tree_contents(tree)}


def _checkout(repo) -> None:
    """Fill the working tree and index from ``main`` (so `git status` is clean)."""
    from dulwich.index import build_index_from_tree

    repo.refs.set_symbolic_ref(b"HEAD", MAIN)
    build_index_from_tree(repo.path, repo.index_path(), repo.object_store, repo[MAIN].tree)


def _chain(repo, tip: bytes) -> list[bytes]:
    out = []
    cur: bytes | None = tip
    while cur is not None:
        out.append(cur)
        parents = repo[cur].parents
        cur = parents[0] if parents else None
    return out[::-1]


def import_repo(store: DropStore, path: str | Path, workflow_id: str) -> dict[str, Any]:
    """Bring the history of the git repository at ``path`` into the new workflow ``workflow_id``."""
    _dulwich()
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    store._authorize("write")
    try:
        repo: Any = Repo(str(path))
    except NotGitRepository:
        raise ValidationError(f"{path} is not a git repository", hint="give the folder that holds .git") from None
    try:
        if store.list(workflow_id=workflow_id, include_deleted=True, limit=1):
            raise Conflict(f"workflow {workflow_id!r} already has drops", hint="import into a new workflow name")
        refs = {k[len(b"refs/heads/"):].decode("utf-8"): v for k, v in repo.refs.as_dict().items()
                if k.startswith(b"refs/heads/")}
        if "main" not in refs:
            head = repo.refs.read_ref(b"HEAD") or b""
            name = head[len(b"ref: refs/heads/"):].decode() if head.startswith(b"ref: refs/heads/") else ""
            if name not in refs:
                raise ValidationError(f"{path} has no branch main", hint="check out the main branch first")
            refs["main"] = refs.pop(name)
        chains = {name: _chain(repo, tip) for name, tip in refs.items()}
        kids = _branch_tree(chains)
        _check_files(store, repo, [c for name, chain in chains.items()
                                   for c in chain[(0 if name == "main" else _lcp(chain, chains[_parent(kids, name)])):]])
        ids: dict[str, int] = {}
        versions = _import_branch(store, repo, workflow_id, workflow_id, "main", chains, kids, 0, {}, ids)
    finally:
        repo.close()
    return {"workflow_id": workflow_id, "drops": len(ids), "versions": versions,
            "forks": sorted(f"{workflow_id}:{n}" for n in chains if n != "main")}


def _lcp(a: list[bytes], b: list[bytes]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _parent(kids: dict[str, list[tuple[str, int]]], name: str) -> str:
    return next(p for p, lst in kids.items() for n, _ in lst if n == name)


def _branch_tree(chains: dict[str, list[bytes]]) -> dict[str, list[tuple[str, int]]]:
    """Which branch each branch leaves, and after how many shared commits: parent -> [(child, shared)].

    A branch's parent is the placed branch it shares the longest history with (main first on a tie),
    so a fork of a fork becomes a branch off its fork's branch. A branch sharing nothing is refused.
    """
    placed: list[str] = ["main"]
    kids: dict[str, list[tuple[str, int]]] = {"main": []}
    todo = sorted(n for n in chains if n != "main")
    while todo:
        best = {n: max(((_lcp(chains[n], chains[p]), -i, p) for i, p in enumerate(placed))) for n in todo}
        ready = [n for n in todo if best[n][0] >= max((_lcp(chains[n], chains[o]) for o in todo if o != n),
                                                      default=0)]
        name = min(ready or todo, key=lambda n: (-best[n][0], n))
        shared, _, parent = best[name]
        if shared == 0:
            raise ValidationError(f"branch {name!r} shares no history with main",
                                  hint="import it separately, with its own --workflow")
        kids[parent].append((name, shared))
        kids[name] = []
        placed.append(name)
        todo.remove(name)
    return kids


def _import_branch(store: DropStore, repo: Any, root: str, workflow_id: str, name: str,
                   chains: dict[str, list[bytes]], kids: dict[str, list[tuple[str, int]]], start: int,
                   prev: dict[str, bytes], ids: dict[str, int]) -> int:
    """Apply ``name``'s commits from ``start`` to ``workflow_id``, forking its child branches on the way."""
    versions = 0
    chain = chains[name]
    for i in range(start, len(chain)):
        c = chain[i]
        prev, n = _apply(store, repo, c, prev, ids, workflow_id)
        versions += n
        for child, shared in kids[name]:
            if shared != i + 1:
                continue
            fork_id = f"{root}:{child}"
            # Forked at the branch point's time: commits are whole seconds, and the export puts
            # every commit of the parent branch up to the fork's time before the branch.
            when = dt.datetime.fromtimestamp(repo[c].commit_time, dt.UTC)
            with _clock_at(store, when):
                forked = store.fork_workflow(workflow_id, fork_id)
            fids = {p: f.id for p, f in zip(sorted(ids, key=ids.__getitem__), forked)}
            versions += _import_branch(store, repo, root, fork_id, child, chains, kids, shared, dict(prev), fids)
    return versions


def _check_files(store: DropStore, repo: Any, commits: list[bytes]) -> None:
    """Refuse a repository holding a file qldrops cannot store before anything is written."""
    checked: set[bytes] = set()
    limit = store.settings.max_artifact_bytes
    for commit_id in commits:
        for e in repo.object_store.iter_tree_contents(repo[commit_id].tree):
            if e.sha in checked:
                continue
            checked.add(e.sha)
            data = repo.object_store[e.sha].data
            where = f"{e.path.decode('utf-8', 'replace')} (commit {commit_id.decode()[:10]})"
            if len(data) > limit:
                raise ValidationError(f"{where} is {len(data):,} bytes, over the artifact limit of {limit:,}; "
                                      "nothing was imported", hint="remove it from the history or raise "
                                                                   "QLDROPS_MAX_ARTIFACT_BYTES")
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(f"{where} is binary, not UTF-8 text; nothing was imported",
                                      hint="qldrops stores text: remove binary files from the history") from None
            if b"\x00" in data:
                raise ValidationError(f"{where} contains NUL bytes; nothing was imported",
                                      hint="qldrops stores text: remove binary files from the history")


class _clock_at:
    """Write with the commit's date (the store's clock, moved for one write)."""

    def __init__(self, store: DropStore, when: dt.datetime):
        self.store, self.when = store, when

    def __enter__(self):
        self.saved = self.store.clock
        self.store.clock = lambda: self.when

    def __exit__(self, *exc):
        self.store.clock = self.saved


def _apply(store: DropStore, repo, commit_id: bytes, prev: dict[str, bytes], ids: dict[str, int],
           workflow_id: str) -> tuple[dict[str, bytes], int]:
    """Write the files ``commit_id`` changed (against ``prev``) as drops or versions."""
    c = repo[commit_id]
    files = _tree_files(repo, commit_id)
    who = c.author.decode("utf-8", "replace").rsplit(" <", 1)[0].strip() or "unknown"
    when = dt.datetime.fromtimestamp(c.author_time, dt.UTC)
    message = c.message.decode("utf-8", "replace")
    written = 0
    for p in sorted(files):
        if p.startswith((META_DIR, ".git")) or files[p] == prev.get(p) and \
                files.get(META_DIR + p + ".json") == prev.get(META_DIR + p + ".json"):
            continue
        meta_raw = files.get(META_DIR + p + ".json")
        info: dict[str, Any] = json.loads(meta_raw) if meta_raw else {"drop_type": "code_generation",
                                                                        "metadata": {"filename": p}}
        try:
            text = files[p].decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(f"{p} in commit {commit_id.decode()[:10]} is binary",
                                  hint="qldrops stores text; remove binary files from the repository") from None
        generated = message == f"put {p}" or message == f"update {p}" or message == f"rollback {p}"
        with _clock_at(store, when):
            if p not in ids:
                d = store.put(workflow_id=workflow_id, drop_type=info["drop_type"], artifact=text,
                              metadata=info["metadata"], created_by=who)
                ids[p] = d.id
                if not generated:
                    _set_message(store, d.id, 1, message)
            else:
                store.update(ids[p], artifact=text, metadata=info["metadata"], created_by=who,
                             message=None if generated else message)
        written += 1
    return files, written


def _set_message(store: DropStore, drop_id: int, version: int, message: str) -> None:
    """A first version's message (``put`` takes none)."""
    with store.transaction() as conn:
        conn.execute(t.drop_versions.update().where(t.drop_versions.c.drop_id == drop_id,
                                                    t.drop_versions.c.version == version).values(message=message))
