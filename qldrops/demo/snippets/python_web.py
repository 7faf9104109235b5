"""Python web code: FastAPI, Django, Flask (one with eval, one with SQL built by f-string)."""

FASTAPI_TODO = r'''# File: app/models.py
from datetime import datetime

from pydantic import BaseModel, Field


class TodoIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    done: bool = False


class Todo(TodoIn):
    id: int
    created_at: datetime


# File: app/main.py
from datetime import datetime, timezone
from itertools import count

from fastapi import FastAPI, HTTPException, status

from app.models import Todo, TodoIn

app = FastAPI(title="Todo API", version="1.0.0")
_todos: dict[int, Todo] = {}
_ids = count(1)


@app.get("/todos", response_model=list[Todo])
def list_todos(done: bool | None = None) -> list[Todo]:
    items = sorted(_todos.values(), key=lambda t: t.id)
    return [t for t in items if done is None or t.done == done]


@app.post("/todos", response_model=Todo, status_code=status.HTTP_201_CREATED)
def create_todo(payload: TodoIn) -> Todo:
    todo = Todo(id=next(_ids), created_at=datetime.now(timezone.utc), **payload.model_dump())
    _todos[todo.id] = todo
    return todo


@app.get("/todos/{todo_id}", response_model=Todo)
def get_todo(todo_id: int) -> Todo:
    if todo_id not in _todos:
        raise HTTPException(status_code=404, detail="todo not found")
    return _todos[todo_id]


@app.put("/todos/{todo_id}", response_model=Todo)
def update_todo(todo_id: int, payload: TodoIn) -> Todo:
    current = get_todo(todo_id)
    updated = current.model_copy(update=payload.model_dump())
    _todos[todo_id] = updated
    return updated


@app.delete("/todos/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_todo(todo_id: int) -> None:
    _todos.pop(todo_id, None)
'''

# The near-duplicate: same API, but persisted in SQLite (a second analyst's ask).
FASTAPI_TODO_SQLITE = r'''# File: app/main.py
import sqlite3
from contextlib import closing
from datetime import datetime, timezone

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field

DB_PATH = "todos.db"
app = FastAPI(title="Todo API", version="1.1.0")


class TodoIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    done: bool = False


class Todo(TodoIn):
    id: int
    created_at: datetime


def db() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    conn.execute(
        "CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
        "done INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)"
    )
    return conn


def _row(r: sqlite3.Row) -> Todo:
    return Todo(id=r["id"], title=r["title"], done=bool(r["done"]), created_at=r["created_at"])


@app.get("/todos", response_model=list[Todo])
def list_todos(done: bool | None = None) -> list[Todo]:
    with closing(db()) as conn:
        rows = conn.execute("SELECT * FROM todos ORDER BY id").fetchall()
    return [_row(r) for r in rows if done is None or bool(r["done"]) == done]


@app.post("/todos", response_model=Todo, status_code=status.HTTP_201_CREATED)
def create_todo(payload: TodoIn) -> Todo:
    created = datetime.now(timezone.utc).isoformat()
    with closing(db()) as conn, conn:
        cur = conn.execute(
            "INSERT INTO todos (title, done, created_at) VALUES (?, ?, ?)",
            (payload.title, int(payload.done), created),
        )
    return Todo(id=cur.lastrowid, created_at=created, **payload.model_dump())


@app.get("/todos/{todo_id}", response_model=Todo)
def get_todo(todo_id: int) -> Todo:
    with closing(db()) as conn:
        row = conn.execute("SELECT * FROM todos WHERE id = ?", (todo_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="todo not found")
    return _row(row)


@app.delete("/todos/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_todo(todo_id: int) -> None:
    with closing(db()) as conn, conn:
        conn.execute("DELETE FROM todos WHERE id = ?", (todo_id,))
'''

DJANGO_BLOG_MODELS = r'''# File: blog/models.py
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.name


class PublishedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique_for_date="published_at")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    body = models.TextField()
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    published = PublishedManager()

    class Meta:
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["-published_at"])]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:220]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:post_detail", args=[self.published_at.year, self.slug])

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(max_length=80)
    email = models.EmailField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment by {self.name} on {self.post}"
'''

# Planted security problem: eval() on a request parameter.
FLASK_CALCULATOR = r'''# File: app.py
from flask import Flask, jsonify, request

app = Flask(__name__)
HISTORY: list[dict] = []


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/calculate", methods=["POST"])
def calculate():
    data = request.get_json(force=True)
    expression = data.get("expression", "")
    if not expression:
        return jsonify(error="expression is required"), 400
    try:
        result = eval(expression)
    except Exception as exc:  # the generator caught everything here
        return jsonify(error=str(exc)), 400
    HISTORY.append({"expression": expression, "result": result})
    return jsonify(expression=expression, result=result)


@app.route("/history")
def history():
    limit = int(request.args.get("limit", 10))
    return jsonify(HISTORY[-limit:])


if __name__ == "__main__":
    app.run(debug=True, host="0.0.0.0", port=5000)
'''

# The fork fixes the hole with an AST walker that only allows arithmetic.
FLASK_CALCULATOR_SAFE = r'''# File: app.py
import ast
import operator

from flask import Flask, jsonify, request

app = Flask(__name__)
HISTORY: list[dict] = []
OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg,
}


def safe_eval(expression: str) -> float:
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.operand))
        raise ValueError("only numbers and + - * / ** are allowed")
    return walk(ast.parse(expression, mode="eval"))


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/calculate", methods=["POST"])
def calculate():
    data = request.get_json(force=True)
    expression = data.get("expression", "")
    if not expression or len(expression) > 200:
        return jsonify(error="expression is required (max 200 chars)"), 400
    try:
        result = safe_eval(expression)
    except (ValueError, SyntaxError, ZeroDivisionError) as exc:
        return jsonify(error=str(exc)), 400
    HISTORY.append({"expression": expression, "result": result})
    return jsonify(expression=expression, result=result)


@app.route("/history")
def history():
    limit = min(int(request.args.get("limit", 10)), 100)
    return jsonify(HISTORY[-limit:])


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
'''

# Planted security problem: SQL assembled with an f-string from user input.
FLASK_NOTES = r'''# File: notes/app.py
import sqlite3

from flask import Flask, g, jsonify, request

DATABASE = "notes.db"
app = Flask(__name__)


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(DATABASE)
        g.db.row_factory = sqlite3.Row
        g.db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, owner TEXT, title TEXT, body TEXT)")
    return g.db


@app.teardown_appcontext
def close_db(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.get("/notes")
def search_notes():
    owner = request.args.get("owner", "")
    q = request.args.get("q", "")
    sql = f"SELECT id, title, body FROM notes WHERE owner = '{owner}' AND title LIKE '%{q}%'"
    rows = get_db().execute(sql).fetchall()
    return jsonify([dict(r) for r in rows])


@app.post("/notes")
def create_note():
    data = request.get_json(force=True)
    db = get_db()
    cur = db.execute(
        "INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)",
        (data["owner"], data["title"], data.get("body", "")),
    )
    db.commit()
    return jsonify(id=cur.lastrowid), 201


if __name__ == "__main__":
    app.run(port=5001)
'''
