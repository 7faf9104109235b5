"""Rust, Java and Kotlin sources."""

RUST_LOG_PARSER = r'''// File: src/main.rs
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;

use clap::Parser;

/// Summarise an nginx/apache access log: requests per status and the slowest paths.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Log file to read ("-" for stdin)
    path: PathBuf,
    /// How many paths to list
    #[arg(short, long, default_value_t = 10)]
    top: usize,
}

#[derive(Debug, PartialEq)]
struct Entry<'a> {
    path: &'a str,
    status: u16,
    bytes: u64,
}

fn parse_line(line: &str) -> Option<Entry<'_>> {
    // 127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326
    let request_start = line.find('"')? + 1;
    let request_end = request_start + line[request_start..].find('"')?;
    let mut request = line[request_start..request_end].split_whitespace();
    let _method = request.next()?;
    let path = request.next()?;
    let mut rest = line[request_end + 1..].split_whitespace();
    let status = rest.next()?.parse().ok()?;
    let bytes = rest.next().and_then(|b| b.parse().ok()).unwrap_or(0);
    Some(Entry { path, status, bytes })
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let reader: Box<dyn BufRead> = if args.path.as_os_str() == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::new(File::open(&args.path)?))
    };

    let mut by_status: HashMap<u16, u64> = HashMap::new();
    let mut by_path: HashMap<String, (u64, u64)> = HashMap::new();
    let mut skipped = 0u64;
    for line in reader.lines() {
        let line = line?;
        match parse_line(&line) {
            Some(e) => {
                *by_status.entry(e.status).or_default() += 1;
                let slot = by_path.entry(e.path.to_string()).or_default();
                slot.0 += 1;
                slot.1 += e.bytes;
            }
            None => skipped += 1,
        }
    }

    let mut statuses: Vec<_> = by_status.into_iter().collect();
    statuses.sort();
    for (status, n) in statuses {
        println!("{status}: {n}");
    }
    let mut paths: Vec<_> = by_path.into_iter().collect();
    paths.sort_by(|a, b| b.1 .0.cmp(&a.1 .0));
    for (path, (hits, bytes)) in paths.into_iter().take(args.top) {
        println!("{hits:>8} {bytes:>12} {path}");
    }
    if skipped > 0 {
        eprintln!("skipped {skipped} malformed lines");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_log_format() {
        let line = r#"10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 404 12"#;
        assert_eq!(parse_line(line), Some(Entry { path: "/a", status: 404, bytes: 12 }));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_line("not a log line"), None);
    }
}
'''

ACTIX_SERVER = r'''// File: src/main.rs
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::{get, middleware::Logger, post, web, App, HttpResponse, HttpServer, Responder};
use serde::{Deserialize, Serialize};

struct AppState {
    started: Instant,
    hits: AtomicU64,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    uptime_s: u64,
    requests: u64,
}

#[derive(Deserialize)]
struct Echo {
    message: String,
}

#[get("/health")]
async fn health(state: web::Data<AppState>) -> impl Responder {
    let requests = state.hits.fetch_add(1, Ordering::Relaxed) + 1;
    web::Json(Health { status: "ok", uptime_s: state.started.elapsed().as_secs(), requests })
}

#[post("/echo")]
async fn echo(body: web::Json<Echo>) -> impl Responder {
    if body.message.len() > 1024 {
        return HttpResponse::PayloadTooLarge().body("message too long");
    }
    HttpResponse::Ok().json(serde_json::json!({ "echo": body.message }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::new().default_filter_or("info"));
    let state = web::Data::new(AppState { started: Instant::now(), hits: AtomicU64::new(0) });
    HttpServer::new(move || App::new().app_data(state.clone()).wrap(Logger::default()).service(health).service(echo))
        .bind(("0.0.0.0", 8080))?
        .workers(2)
        .run()
        .await
}
'''

RUST_MARKDOWN_TOC = r'''// File: src/lib.rs
//! Build a table of contents from Markdown headings, GitHub-style anchors included.

#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: usize,
    pub title: String,
    pub anchor: String,
}

pub fn slugify(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

pub fn headings(markdown: &str) -> Vec<Heading> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&level) && line[level..].starts_with(' ') {
            let title = line[level..].trim().to_string();
            out.push(Heading { level, anchor: slugify(&title), title });
        }
    }
    out
}

pub fn toc(markdown: &str) -> String {
    headings(markdown)
        .iter()
        .map(|h| format!("{}- [{}](#{})", "  ".repeat(h.level - 1), h.title, h.anchor))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_code_fences() {
        let md = "# Title\n```\n# not a heading\n```\n## Usage Notes";
        assert_eq!(toc(md), "- [Title](#title)\n  - [Usage Notes](#usage-notes)");
    }
}
'''

SPRING_ORDER_CONTROLLER = r'''// File: src/main/java/com/example/orders/Order.java
package com.example.orders;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.math.BigDecimal;
import java.time.Instant;

public record Order(Long id, @NotBlank String customer, @NotBlank String sku, @Min(1) int quantity,
                    BigDecimal unitPrice, Instant createdAt) {
    public BigDecimal total() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}

// File: src/main/java/com/example/orders/OrderController.java
package com.example.orders;

import jakarta.validation.Valid;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/orders")
public class OrderController {
    private final Map<Long, Order> orders = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    @GetMapping
    public List<Order> list(@RequestParam(required = false) String customer) {
        return orders.values().stream()
                .filter(o -> customer == null || o.customer().equalsIgnoreCase(customer))
                .sorted((a, b) -> Long.compare(a.id(), b.id()))
                .toList();
    }

    @GetMapping("/{id}")
    public ResponseEntity<Order> get(@PathVariable Long id) {
        Order order = orders.get(id);
        return order == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(order);
    }

    @PostMapping
    public ResponseEntity<Order> create(@Valid @RequestBody Order request) {
        long id = ids.incrementAndGet();
        Order saved = new Order(id, request.customer(), request.sku(), request.quantity(),
                request.unitPrice(), Instant.now());
        orders.put(id, saved);
        return ResponseEntity.created(URI.create("/api/orders/" + id)).body(saved);
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable Long id) {
        return orders.remove(id) == null ? ResponseEntity.notFound().build() : ResponseEntity.noContent().build();
    }
}
'''

JAVA_CSV_REPORT = r'''// File: src/main/java/report/CsvReport.java
package report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Reads sales.csv (region,product,amount) and prints totals per region, largest first. */
public final class CsvReport {
    record Sale(String region, String product, double amount) {}

    static List<Sale> read(Path path) throws IOException {
        try (var lines = Files.lines(path)) {
            return lines.skip(1)
                    .filter(l -> !l.isBlank())
                    .map(l -> l.split(","))
                    .map(p -> new Sale(p[0].trim(), p[1].trim(), Double.parseDouble(p[2].trim())))
                    .collect(Collectors.toList());
        }
    }

    static Map<String, Double> totalsByRegion(List<Sale> sales) {
        return sales.stream().collect(Collectors.groupingBy(Sale::region, TreeMap::new,
                Collectors.summingDouble(Sale::amount)));
    }

    public static void main(String[] args) throws IOException {
        Path input = Path.of(args.length > 0 ? args[0] : "sales.csv");
        var totals = totalsByRegion(read(input));
        totals.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("%-12s %12.2f%n", e.getKey(), e.getValue()));
    }
}
'''

KTOR_NOTES = r'''// File: src/main/kotlin/com/example/notes/Application.kt
package com.example.notes

import io.ktor.http.HttpStatusCode
import io.ktor.serialization.kotlinx.json.json
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.plugins.contentnegotiation.ContentNegotiation
import io.ktor.server.request.receive
import io.ktor.server.response.respond
import io.ktor.server.routing.delete
import io.ktor.server.routing.get
import io.ktor.server.routing.post
import io.ktor.server.routing.route
import io.ktor.server.routing.routing
import kotlinx.serialization.Serializable
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

@Serializable
data class Note(val id: Int = 0, val title: String, val body: String = "", val pinned: Boolean = false)

class NoteRepository {
    private val notes = ConcurrentHashMap<Int, Note>()
    private val ids = AtomicInteger()

    fun all(): List<Note> = notes.values.sortedWith(compareByDescending<Note> { it.pinned }.thenBy { it.id })
    fun find(id: Int): Note? = notes[id]
    fun add(note: Note): Note = note.copy(id = ids.incrementAndGet()).also { notes[it.id] = it }
    fun remove(id: Int): Boolean = notes.remove(id) != null
}

fun Application.module(repo: NoteRepository = NoteRepository()) {
    install(ContentNegotiation) { json() }
    routing {
        route("/notes") {
            get { call.respond(repo.all()) }
            get("/{id}") {
                val note = call.parameters["id"]?.toIntOrNull()?.let(repo::find)
                if (note == null) call.respond(HttpStatusCode.NotFound) else call.respond(note)
            }
            post {
                val note = call.receive<Note>()
                if (note.title.isBlank()) return@post call.respond(HttpStatusCode.BadRequest, "title is required")
                call.respond(HttpStatusCode.Created, repo.add(note))
            }
            delete("/{id}") {
                val removed = call.parameters["id"]?.toIntOrNull()?.let(repo::remove) ?: false
                call.respond(if (removed) HttpStatusCode.NoContent else HttpStatusCode.NotFound)
            }
        }
    }
}

fun main() {
    embeddedServer(Netty, port = 8080) { module() }.start(wait = true)
}
'''
