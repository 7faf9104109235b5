"""Demo workflows 1-22: web services, APIs and front ends."""

from __future__ import annotations

from .catalog import Code, Edit, Fork, Spec
from .snippets import go, infra, js_ts, native
from .snippets import python_scripts as pys
from .snippets import python_web as pyw
from .snippets import rust_jvm as rj

_JWT_REFRESH = '''
// Refresh issues a new token for a still-valid one, keeping subject and role.
func (s *Signer) Refresh(token string) (string, error) {
	c, err := s.Verify(token)
	if err != nil {
		return "", err
	}
	return s.Issue(c.Subject, c.Role)
}

// File: cmd/authd/main.go'''

# The fork reads users from a "name:password" file instead of a literal map.
_LOAD_USERS = '''func loadUsers(path string) map[string]string {
	users := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		log.Fatalf("cannot read users file %q: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, pw, ok := strings.Cut(sc.Text(), ":"); ok {
			users[name] = pw
		}
	}
	return users
}

func main() {'''

SPECS: list[Spec] = [
    Spec(
        1, "jwt-auth-service", "JWT authentication service", "go", "net/http", "web-api",
        prompt="build a jwt auth service in go with login and a /me endpoint, no external jwt library",
        summary="A small Go HTTP service that issues HS256-signed JSON Web Tokens on login and verifies them on protected routes.",
        features=("POST /login checks username and password and returns an access token",
                  "GET /me returns the claims of a valid bearer token",
                  "tokens are HS256-signed with a secret from AUTH_SECRET and expire after 15 minutes",
                  "signature comparison is constant-time"),
        tests=("login with valid credentials returns 200 and a token", "login with a wrong password returns 401",
               "a tampered payload fails verification with ErrSignature", "an expired token is rejected with ErrExpired",
               "a token with two segments is rejected as malformed", "GET /me without Authorization returns 401"),
        code=(Code(go.JWT_AUTH),), extra_files=("go.mod", "internal/auth/jwt_test.go", "README.md"),
        run=("export AUTH_SECRET=$(openssl rand -hex 32)", "go run ./cmd/authd"),
        test_framework="go test", owner="maya.chen", tags=("auth", "jwt", "backend"),
        edits=(Edit("code_generation:0", "fix: expired tokens were accepted for 60 more seconds",
                    replace=(("c.ExpiresAt+60", "c.ExpiresAt"),)),
               Edit("code_generation:0", "feat: add Signer.Refresh",
                    replace=(("\n// File: cmd/authd/main.go", _JWT_REFRESH),)),
               Edit("frd_generation", "docs: add security considerations",
                    replace=(("## Acceptance Criteria", "## Security Considerations\n\n- Secrets come from the environment, never from the repository.\n- Tokens are short-lived; refresh requires a still-valid token.\n\n## Acceptance Criteria"),))),
        fork=Fork("lars.eriksen", (Edit("code_generation:0", "fork: one-hour tokens for the internal tools cluster",
                                        replace=(("15*time.Minute", "time.Hour"),
                                                 ('"encoding/json"\n\t"log"', '"bufio"\n\t"encoding/json"\n\t"log"'),
                                                 ("func main() {", _LOAD_USERS),
                                                 ('users := map[string]string{"ada": "lovelace", "linus": "torvalds"}',
                                                  'users := loadUsers(os.Getenv("AUTH_USERS_FILE"))'))),)),
    ),
    Spec(
        2, "fastapi-todo-api", "Todo REST API with FastAPI", "python", "FastAPI", "web-api",
        prompt="fastapi todo api with CRUD, pydantic models, in memory is fine",
        summary="A FastAPI service exposing CRUD endpoints for todo items, validated with Pydantic v2.",
        features=("list todos, optionally filtered by done", "create a todo with a title of 1-200 characters",
                  "read, replace and delete a todo by id", "404 with a clear detail for unknown ids"),
        tests=("POST /todos returns 201 and the created item", "an empty title returns 422",
               "GET /todos?done=true only returns finished items", "GET /todos/999 returns 404",
               "DELETE is idempotent and returns 204"),
        code=(Code(pyw.FASTAPI_TODO),), extra_files=("app/__init__.py", "requirements.txt", "tests/test_todos.py"),
        run=("pip install -r requirements.txt", "uvicorn app.main:app --reload"),
        test_framework="pytest", owner="priya.nair", tags=("crud", "rest", "backend"),
        edits=(Edit("code_generation:0", "feat: PATCH /todos/{id}/done toggles completion",
                    replace=(('@app.delete("/todos/{todo_id}"',
                              ('@app.patch("/todos/{todo_id}/done", response_model=Todo)\n'
                              'def toggle_done(todo_id: int) -> Todo:\n'
                              '    current = get_todo(todo_id)\n'
                              '    _todos[todo_id] = current.model_copy(update={"done": not current.done})\n'
                              '    return _todos[todo_id]\n\n\n'
                              '@app.delete("/todos/{todo_id}"')),)),
               Edit("code_generation:0", "refactor: rename _todos to _store", replace=(("_todos: dict", "_store: dict"), ("_todos[", "_store["), ("_todos.", "_store."))),
               Edit("documentation", "docs: deployment notes",
                    replace=(("## Testing", ("## Deploying\n\nBuild the image with `docker build -t todo-api .` and run it behind a reverse proxy; "
                                            "the in-memory store is per process, so run a single worker.\n\n## Testing")),))),
        fork=Fork("diego.ramirez", (Edit("code_generation:0", "fork: limit/offset pagination on the list endpoint",
                                         replace=(("def list_todos(done: bool | None = None) -> list[Todo]:",
                                                   "def list_todos(done: bool | None = None, limit: int = 50, offset: int = 0) -> list[Todo]:"),
                                                  ("return [t for t in items if done is None or t.done == done]",
                                                   "return [t for t in items if done is None or t.done == done][offset : offset + limit]"))),)),
    ),
    Spec(
        3, "react-dashboard-component", "React KPI dashboard cards", "typescript", "React", "frontend",
        prompt="react component for a dashboard showing KPI cards with trend vs previous period",
        summary="Typed React components: a MetricCard with trend indicator and a Dashboard that fetches metrics.",
        features=("MetricCard shows a label, formatted value and optional unit",
                  "the trend versus the previous period is shown as a percentage with an arrow",
                  "a loading skeleton while data is fetched", "fetch errors are shown in an alert, aborted on unmount"),
        tests=("renders the formatted value with unit", "shows ▲ and the percentage for an increase",
               "shows the loading skeleton when loading is true", "Dashboard renders an alert when fetch fails",
               "the fetch is aborted on unmount"),
        code=(Code(js_ts.REACT_METRIC_CARD),), extra_files=("src/components/MetricCard.test.tsx", "src/styles/dashboard.css", "package.json"),
        run=("npm install", "npm run dev"), test_framework="vitest + testing-library", owner="amara.okafor",
        tags=("ui", "dashboard"),
        edits=(Edit("code_generation:0", "fix: a zero change showed a down arrow",
                    replace=(('delta === null ? "flat" : delta >= 0 ? "up" : "down"', 'delta === null || delta === 0 ? "flat" : delta > 0 ? "up" : "down"'),
                             ('{trend === "up" ? "▲" : "▼"}', '{trend === "up" ? "▲" : trend === "down" ? "▼" : "•"}'))),),
    ),
    Spec(
        4, "spring-boot-rest-controller", "Spring Boot orders REST controller", "java", "Spring Boot", "web-api",
        prompt="spring boot rest controller for orders: list, get, create, delete with validation",
        summary="A Spring Boot 3 REST controller managing orders, with a Java record as DTO and Bean Validation.",
        features=("GET /api/orders lists orders, optionally filtered by customer", "GET /api/orders/{id} returns one order or 404",
                  "POST /api/orders validates and creates an order, returning 201 with Location",
                  "DELETE /api/orders/{id} removes an order"),
        tests=("create returns 201 with a Location header", "a quantity of 0 is rejected with 400",
               "list filters by customer case-insensitively", "get of an unknown id returns 404", "delete twice returns 404 the second time"),
        code=(Code(rj.SPRING_ORDER_CONTROLLER),),
        extra_files=("pom.xml", "src/main/java/com/example/orders/OrdersApplication.java", "src/test/java/com/example/orders/OrderControllerTest.java"),
        run=("./mvnw spring-boot:run",), test_framework="JUnit 5 + MockMvc", owner="tomasz.kowalski", tags=("rest", "backend"),
        edits=(Edit("code_generation:0", "refactor: rename list to findAll",
                    replace=(("public List<Order> list(", "public List<Order> findAll("),)),),
    ),
    Spec(
        5, "express-rate-limit-middleware", "Express rate-limit middleware in TypeScript", "typescript", "Express", "library",
        prompt="typescript express middleware that rate limits per IP with a fixed window",
        summary="A dependency-free fixed-window rate limiter for Express with standard rate-limit headers.",
        features=("configurable window length and request budget", "pluggable key function (IP by default)",
                  "X-RateLimit-Limit/Remaining and Retry-After headers", "429 JSON response when over budget",
                  "expired windows are swept so memory stays bounded"),
        tests=("the 101st request in a window gets 429", "Retry-After counts down to the window end",
               "different keys have independent budgets", "a new window resets the count"),
        code=(Code(js_ts.EXPRESS_RATE_LIMIT),), extra_files=("package.json", "tsconfig.json", "test/rateLimit.test.ts"),
        run=("npm install", "npx ts-node src/server.ts"), test_framework="jest + supertest", owner="lars.eriksen",
        tags=("middleware", "rate-limit"),
    ),
    Spec(
        6, "django-blog-models", "Django blog models", "python", "Django", "web-app",
        prompt="django models for a blog: posts with tags and comments, drafts vs published",
        summary="Django models for a blog with draft/published posts, tags, comments and a published manager.",
        features=("Post with title, slug, author, body, status and publish date", "Tag many-to-many with posts",
                  "Comment with moderation flag", "a `published` manager that hides drafts and future posts",
                  "slug generated from the title when empty"),
        tests=("saving a post without slug fills it from the title", "Post.published excludes drafts",
               "Post.published excludes posts scheduled in the future", "comments are ordered oldest first"),
        code=(Code(pyw.DJANGO_BLOG_MODELS),), extra_files=("blog/admin.py", "blog/migrations/0001_initial.py", "blog/tests.py"),
        run=("python manage.py makemigrations blog", "python manage.py migrate"), test_framework="Django TestCase",
        owner="priya.nair", tags=("orm", "blog"),
    ),
    Spec(
        7, "flask-calculator-api", "Flask calculator API", "python", "Flask", "web-api",
        prompt="small flask api that evaluates arithmetic expressions sent as JSON and keeps a history",
        summary="A Flask API that evaluates arithmetic expressions and keeps a history of results.",
        features=("POST /calculate with {\"expression\": \"...\"} returns the result", "GET /history returns the latest results",
                  "GET /health for the load balancer"),
        tests=("2+3*4 returns 14", "an empty expression returns 400", "history returns at most `limit` entries",
               "division by zero returns 400"),
        code=(Code(pyw.FLASK_CALCULATOR),), extra_files=("requirements.txt", "tests/test_app.py"),
        run=("pip install flask", "python app.py"), test_framework="pytest", owner="diego.ramirez", tags=("api",),
        fork=Fork("maya.chen", (Edit("code_generation:0", "security: replace eval with an AST whitelist", text=pyw.FLASK_CALCULATOR_SAFE),
                                Edit("documentation", "docs: note the safe evaluator",
                                     replace=(("## Features", "## Features\n\n> Expressions are parsed with `ast` and only arithmetic is allowed; `eval` is never called.\n"),)))),
    ),
    Spec(
        8, "nextjs-product-page", "Next.js product detail page", "typescript", "Next.js", "frontend",
        prompt="next.js app router product page with metadata, 404 handling and ISR",
        summary="A server-rendered Next.js App Router page showing one product, revalidated every five minutes.",
        features=("fetch product by id from API_URL with 5-minute revalidation", "notFound() for unknown products",
                  "page title from the product name", "price formatted as EUR", "disabled button when sold out"),
        tests=("renders name and formatted price", "unknown id renders the 404 page", "sold-out product disables the button",
               "API 500 surfaces the error boundary"),
        code=(Code(js_ts.NEXT_PRODUCT_PAGE),), extra_files=("app/products/[id]/not-found.tsx", "app/layout.tsx", "next.config.js"),
        run=("npm install", "API_URL=http://localhost:4000 npm run dev"), test_framework="playwright", owner="amara.okafor",
        tags=("ui", "ecommerce", "ssr"),
    ),
    Spec(
        9, "vue-todo-component", "Vue 3 todo list component", "javascript", "Vue 3", "frontend",
        prompt="vue 3 todo list component with filter and localStorage persistence, script setup",
        summary="A single-file Vue 3 component for a todo list that persists to localStorage.",
        features=("add, complete and remove todos", "filter all / active / done", "count of remaining items",
                  "state saved to localStorage on every change"),
        tests=("adding a todo clears the input", "the done filter hides active items", "state survives a reload",
               "the add button is disabled for an empty draft"),
        code=(Code(js_ts.VUE_TODO_LIST),), extra_files=("src/App.vue", "src/main.js", "vite.config.js"),
        run=("npm install", "npm run dev"), test_framework="vitest + @vue/test-utils", owner="amara.okafor", tags=("ui", "todo"),
    ),
    Spec(
        10, "gin-user-handler", "Gin user handlers", "go", "Gin", "web-api",
        prompt="gin handlers for creating and fetching users with validation, thread safe in-memory store",
        summary="Gin HTTP handlers for a user resource with binding validation and a mutex-guarded store.",
        features=("POST /users validates name and email", "GET /users/:id returns 400 for a non-numeric id and 404 when absent",
                  "store safe for concurrent handlers"),
        tests=("valid user returns 201 with an id", "invalid email returns 400", "GET /users/abc returns 400",
               "GET of an unknown id returns 404", "concurrent creates get distinct ids"),
        code=(Code(go.GIN_USER_HANDLER),), extra_files=("cmd/api/main.go", "internal/handlers/user_test.go", "go.mod"),
        run=("go run ./cmd/api",), test_framework="go test + httptest", owner="maya.chen", tags=("rest", "backend"),
        edits=(Edit("code_generation:0", "feat: DELETE /users/:id",
                    replace=(("func Register(r *gin.Engine, store *UserStore) {",
                              ("func (s *UserStore) Delete(id int) bool {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n"
                              "\t_, ok := s.users[id]\n\tdelete(s.users, id)\n\treturn ok\n}\n\n"
                              "func Register(r *gin.Engine, store *UserStore) {")),)),),
    ),
    Spec(
        11, "actix-web-server", "Actix Web health and echo server", "rust", "Actix Web", "web-api",
        prompt="rust actix-web server with /health (uptime, request count) and a json echo endpoint",
        summary="An Actix Web 4 server with a health endpoint reporting uptime and a size-limited JSON echo.",
        features=("GET /health returns status, uptime and request count", "POST /echo returns the message",
                  "messages over 1 KiB get 413", "request logging via env_logger"),
        tests=("health returns status ok", "request counter increases per call", "echo returns the message",
               "a 2 KiB message returns 413"),
        code=(Code(rj.ACTIX_SERVER),), extra_files=("Cargo.toml", "tests/api.rs"),
        run=("cargo run --release",), test_framework="cargo test + actix_web::test", owner="lars.eriksen", tags=("backend",),
    ),
    Spec(
        12, "rails-articles-controller", "Rails articles controller", "ruby", "Ruby on Rails", "web-api",
        prompt="rails api controller for articles with auth on write actions and author-only edits",
        summary="A Rails 7 API controller for articles: public reads, authenticated writes, author-only edits.",
        features=("paginated index of published articles", "create/update/destroy require login",
                  "only the author may update or delete", "validation errors returned as JSON with 422"),
        tests=("index hides unpublished articles", "create without login returns 401", "another user's update returns 403",
               "invalid article returns 422 with messages"),
        code=(Code(native.RAILS_ARTICLES),), extra_files=("config/routes.rb", "test/controllers/articles_controller_test.rb"),
        run=("bin/rails db:migrate", "bin/rails server"), test_framework="minitest", owner="tomasz.kowalski", tags=("rest",),
    ),
    Spec(
        13, "laravel-task-routes", "Laravel task API routes", "php", "Laravel", "web-api",
        prompt="laravel api routes and controller for personal tasks with sanctum auth and policies",
        summary="Laravel 11 API routes and a controller for per-user tasks, authorised by policies.",
        features=("apiResource routes behind auth:sanctum", "filter open tasks", "validation of title, due date and priority",
                  "PATCH /tasks/{task}/complete"),
        tests=("guest gets 401", "user only sees own tasks", "due date in the past is rejected", "complete sets completed_at"),
        code=(Code(native.LARAVEL_TASKS),), extra_files=("app/Models/Task.php", "app/Policies/TaskPolicy.php", "tests/Feature/TaskTest.php"),
        run=("composer install", "php artisan serve"), test_framework="PHPUnit", owner="diego.ramirez", tags=("rest",),
    ),
    Spec(
        14, "ktor-notes-api", "Ktor notes API", "kotlin", "Ktor", "web-api",
        prompt="kotlin ktor rest api for notes with pinned notes first",
        summary="A Ktor 2 service storing notes in memory, pinned notes listed first.",
        features=("CRUD for notes", "pinned notes sorted first", "400 for a blank title", "JSON via kotlinx.serialization"),
        tests=("create returns 201", "blank title returns 400", "pinned note comes first in the list", "delete unknown id returns 404"),
        code=(Code(rj.KTOR_NOTES),), extra_files=("build.gradle.kts", "src/test/kotlin/ApplicationTest.kt"),
        run=("./gradlew run",), test_framework="ktor testApplication", owner="lars.eriksen", status="partial",
        tags=("rest",),
        edits=(Edit("completion", "rerun: tests generated on the second attempt", status="success"),),
    ),
    Spec(
        15, "csharp-inventory-api", "ASP.NET Core inventory minimal API", "csharp", "ASP.NET Core", "web-api",
        prompt="c# minimal api for inventory items with atomic stock adjustments",
        summary="A .NET 8 minimal API for inventory with lock-free stock adjustments that never go negative.",
        features=("list and fetch items by SKU", "upsert items with validation", "adjust stock atomically; 409 when it would go negative"),
        tests=("adjust below zero returns 409", "SKU lookup is case-insensitive", "invalid item returns 400",
               "parallel adjustments keep an exact total"),
        code=(Code(native.CSHARP_INVENTORY),), extra_files=("Inventory.csproj", "Inventory.Tests/InventoryTests.cs"),
        run=("dotnet run",), test_framework="xUnit", owner="tomasz.kowalski", tags=("backend",),
    ),
    Spec(
        16, "flask-notes-app", "Flask notes service with Docker", "python", "Flask", "web-api",
        prompt="flask notes service with sqlite, search by owner and title, and a production dockerfile",
        summary="A Flask service storing notes in SQLite with a search endpoint, shipped as a Docker image.",
        features=("POST /notes creates a note", "GET /notes searches by owner and title", "multi-stage Dockerfile running gunicorn as non-root"),
        tests=("create then search finds the note", "search is scoped to the owner", "image builds and /health answers"),
        code=(Code(pyw.FLASK_NOTES), Code(infra.DOCKERFILE_PYTHON, "dockerfile", "Docker")),
        extra_files=("requirements.txt", "tests/test_notes.py"),
        run=("docker build -t notes .", "docker run -p 8000:8000 notes"), test_framework="pytest", owner="diego.ramirez",
        tags=("api", "docker"),
    ),
    Spec(
        17, "jwt-auth-service-v2", "JWT auth service (second request)", "go", "net/http", "web-api",
        prompt="go service for jwt login, token verification on /me, hs256, 30 minute expiry, no jwt lib",
        summary="A Go HTTP service that issues HS256 JSON Web Tokens with an issuer claim and verifies them.",
        features=("POST /login returns an access token", "GET /me returns the verified claims",
                  "tokens carry iss=authd and expire after 30 minutes"),
        tests=("valid login returns a token", "wrong password returns 401", "tampered token is rejected",
               "token past expiry is rejected"),
        code=(Code(go.JWT_AUTH_V2),), extra_files=("go.mod", "README.md"),
        run=("AUTH_SECRET=dev go run ./cmd/authd",), test_framework="go test", owner="tomasz.kowalski", tags=("auth", "jwt", "backend"),
    ),
    Spec(
        18, "fastapi-todo-sqlite", "Todo API with FastAPI and SQLite", "python", "FastAPI", "web-api",
        prompt="fastapi todo CRUD api persisted in sqlite, pydantic models",
        summary="The todo API again, this time persisted in SQLite with parameterised queries.",
        features=("list, create, read and delete todos", "data kept in todos.db", "404 for unknown ids"),
        tests=("created todo survives a restart", "GET /todos/999 returns 404", "done filter works"),
        code=(Code(pyw.FASTAPI_TODO_SQLITE),), extra_files=("requirements.txt", "tests/test_api.py"),
        run=("uvicorn app.main:app",), test_framework="pytest", owner="amara.okafor", tags=("crud", "rest", "sqlite"),
    ),
    Spec(
        19, "ts-typed-event-emitter", "Typed event emitter in TypeScript", "typescript", "none", "library",
        prompt="a type safe event emitter class in typescript with on, once, off, emit",
        summary="A tiny generic event emitter whose event names and payloads are checked by the compiler.",
        features=("on/off/once/emit with payload types per event", "on() returns an unsubscribe function",
                  "listeners added during emit do not run in that emit"),
        tests=("once listener runs exactly once", "off removes a listener", "emit returns the listener count",
               "wrong payload type fails to compile (tsd)"),
        code=(Code(js_ts.TYPED_EMITTER),), extra_files=("package.json", "tsconfig.json", "test/events.test.ts"),
        run=("npx tsx src/demo.ts",), test_framework="vitest + tsd", owner="lars.eriksen", tags=("library",),
    ),
    Spec(
        20, "swift-weather-viewmodel", "SwiftUI weather view model", "swift", "SwiftUI", "mobile",
        prompt="swiftui view model that loads forecasts for several cities async and toggles celsius/fahrenheit",
        summary="An ObservableObject view model fetching forecasts with async/await and formatting temperatures.",
        features=("load forecasts for a list of cities", "error message on a non-200 answer", "Celsius/Fahrenheit toggle"),
        tests=("decodes a forecast list", "a 500 sets errorMessage", "fahrenheit conversion of 20°C is 68°F"),
        code=(Code(native.SWIFT_WEATHER),), extra_files=("Package.swift", "Tests/WeatherTests/WeatherViewModelTests.swift"),
        run=("swift build",), test_framework="XCTest", owner="priya.nair", tags=("mobile", "ios"),
    ),
    Spec(
        21, "python-s3-backup", "Nightly Postgres backup to S3", "python", "boto3", "script",
        prompt="python script that dumps postgres nightly, gzips it, uploads to s3 with retries and prunes old backups",
        summary="A nightly job: pg_dump, gzip, upload to S3 with retries, and prune backups older than 14 days.",
        features=("pg_dump to a gzip archive named by UTC timestamp", "upload with exponential backoff",
                  "prune objects older than the retention period", "configuration in one module"),
        tests=("archive name contains the timestamp", "upload retries on a transient error",
               "prune deletes only objects older than 14 days"),
        code=(Code(pys.S3_BACKUP_CONFIG), Code(pys.S3_BACKUP), Code(pys.RETRY)),
        extra_files=("requirements.txt", "crontab"), run=("python -m backup.run_backup",), test_framework="pytest + moto",
        owner="maya.chen", tags=("ops", "aws", "backup"),
    ),
    Spec(
        22, "php-user-search", "PHP user search page", "php", "plain PHP", "web-app",
        prompt="quick php page to search users by name and role, sortable",
        summary="A single PHP page listing users filtered by name and role, sortable by a column.",
        features=("search by partial name", "filter by role", "order by a chosen column"),
        tests=("search finds partial matches", "role filter applies", "order parameter sorts the table"),
        code=(Code(native.PHP_USER_SEARCH),), extra_files=("config/db.php",), run=("php -S localhost:8080 -t public",),
        test_framework="PHPUnit", owner="diego.ramirez", status="partial", tags=("legacy",),
    ),
]
