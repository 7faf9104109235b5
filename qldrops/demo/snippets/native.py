"""C, C++, C#, Swift, Ruby and PHP sources (the PHP search builds SQL by concatenation)."""

C_RING_BUFFER = r'''// File: include/ringbuf.h
#ifndef RINGBUF_H
#define RINGBUF_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int *data;
    size_t capacity;
    size_t head; /* next write */
    size_t tail; /* next read */
    size_t count;
} ringbuf_t;

bool ringbuf_init(ringbuf_t *rb, size_t capacity);
void ringbuf_free(ringbuf_t *rb);
bool ringbuf_push(ringbuf_t *rb, int value);
bool ringbuf_pop(ringbuf_t *rb, int *out);
#endif

// File: src/ringbuf.c
#include <stdlib.h>
#include "ringbuf.h"

bool ringbuf_init(ringbuf_t *rb, size_t capacity) {
    rb->data = malloc(capacity * sizeof(int));
    if (rb->data == NULL) return false;
    rb->capacity = capacity;
    rb->head = rb->tail = rb->count = 0;
    return true;
}

void ringbuf_free(ringbuf_t *rb) {
    free(rb->data);
    rb->data = NULL;
    rb->capacity = rb->count = 0;
}

bool ringbuf_push(ringbuf_t *rb, int value) {
    if (rb->count == rb->capacity) return false;
    rb->data[rb->head] = value;
    rb->head = (rb->head + 1) % rb->capacity;
    rb->count++;
    return true;
}

bool ringbuf_pop(ringbuf_t *rb, int *out) {
    if (rb->count == 0) return false;
    *out = rb->data[rb->tail];
    rb->tail = (rb->tail + 1) % rb->capacity;
    rb->count--;
    return true;
}

// File: src/main.c
#include <stdio.h>
#include "ringbuf.h"

int main(void) {
    ringbuf_t rb;
    if (!ringbuf_init(&rb, 4)) return 1;
    for (int i = 1; i <= 6; i++) {
        printf("push %d -> %s\n", i, ringbuf_push(&rb, i * 10) ? "ok" : "full");
    }
    int v;
    while (ringbuf_pop(&rb, &v)) printf("pop %d\n", v);
    ringbuf_free(&rb);
    return 0;
}
'''

CPP_LRU_CACHE = r'''// File: include/lru_cache.hpp
#pragma once
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

template <typename K, typename V>
class LruCache {
public:
    explicit LruCache(std::size_t capacity) : capacity_(capacity) {}

    std::optional<V> get(const K& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        items_.splice(items_.begin(), items_, it->second);  // move to front
        return it->second->second;
    }

    void put(const K& key, V value) {
        if (auto it = index_.find(key); it != index_.end()) {
            it->second->second = std::move(value);
            items_.splice(items_.begin(), items_, it->second);
            return;
        }
        if (items_.size() == capacity_) {
            index_.erase(items_.back().first);
            items_.pop_back();
        }
        items_.emplace_front(key, std::move(value));
        index_[key] = items_.begin();
    }

    std::size_t size() const { return items_.size(); }

private:
    std::size_t capacity_;
    std::list<std::pair<K, V>> items_;
    std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
};

// File: src/main.cpp
#include <iostream>
#include <string>
#include "lru_cache.hpp"

int main() {
    LruCache<std::string, int> cache(2);
    cache.put("a", 1);
    cache.put("b", 2);
    cache.get("a");        // a is now most recent
    cache.put("c", 3);     // evicts b
    for (const auto* key : {"a", "b", "c"}) {
        auto v = cache.get(key);
        std::cout << key << " -> " << (v ? std::to_string(*v) : "miss") << '\n';
    }
    return 0;
}
'''

CSHARP_INVENTORY = r'''// File: Program.cs
using System.Collections.Concurrent;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<InventoryService>();
var app = builder.Build();

app.MapGet("/items", (InventoryService inv) => inv.All());
app.MapGet("/items/{sku}", (string sku, InventoryService inv) =>
    inv.Find(sku) is { } item ? Results.Ok(item) : Results.NotFound());
app.MapPost("/items", (Item item, InventoryService inv) =>
{
    if (string.IsNullOrWhiteSpace(item.Sku) || item.Quantity < 0)
        return Results.BadRequest(new { error = "sku is required and quantity must be >= 0" });
    inv.Upsert(item);
    return Results.Created($"/items/{item.Sku}", item);
});
app.MapPost("/items/{sku}/adjust", (string sku, int delta, InventoryService inv) =>
    inv.Adjust(sku, delta) is { } item ? Results.Ok(item) : Results.Conflict(new { error = "not enough stock" }));

app.Run();

public record Item(string Sku, string Name, int Quantity);

public class InventoryService
{
    private readonly ConcurrentDictionary<string, Item> _items = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<Item> All() => _items.Values.OrderBy(i => i.Sku);
    public Item? Find(string sku) => _items.TryGetValue(sku, out var item) ? item : null;
    public void Upsert(Item item) => _items[item.Sku] = item;

    public Item? Adjust(string sku, int delta)
    {
        while (_items.TryGetValue(sku, out var current))
        {
            var next = current with { Quantity = current.Quantity + delta };
            if (next.Quantity < 0) return null;
            if (_items.TryUpdate(sku, next, current)) return next;
        }
        return null;
    }
}
'''

SWIFT_WEATHER = r'''// File: Sources/Weather/WeatherViewModel.swift
import Foundation

struct Forecast: Decodable, Identifiable {
    let id: Int
    let city: String
    let temperatureC: Double
    let condition: String

    var temperatureF: Double { temperatureC * 9 / 5 + 32 }
}

enum WeatherError: LocalizedError {
    case badStatus(Int)
    var errorDescription: String? {
        switch self {
        case .badStatus(let code): return "The weather service answered \(code)."
        }
    }
}

@MainActor
final class WeatherViewModel: ObservableObject {
    @Published private(set) var forecasts: [Forecast] = []
    @Published private(set) var errorMessage: String?
    @Published var useFahrenheit = false

    private let baseURL: URL
    private let session: URLSession

    init(baseURL: URL, session: URLSession = .shared) {
        self.baseURL = baseURL
        self.session = session
    }

    func load(cities: [String]) async {
        errorMessage = nil
        do {
            var url = URLComponents(url: baseURL.appendingPathComponent("forecast"), resolvingAgainstBaseURL: false)!
            url.queryItems = [URLQueryItem(name: "cities", value: cities.joined(separator: ","))]
            let (data, response) = try await session.data(from: url.url!)
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                throw WeatherError.badStatus(http.statusCode)
            }
            forecasts = try JSONDecoder().decode([Forecast].self, from: data)
        } catch {
            errorMessage = error.localizedDescription
        }
    }

    func display(_ f: Forecast) -> String {
        let value = useFahrenheit ? f.temperatureF : f.temperatureC
        return String(format: "%@: %.0f°%@ %@", f.city, value, useFahrenheit ? "F" : "C", f.condition)
    }
}
'''

RAILS_ARTICLES = r'''# File: app/controllers/articles_controller.rb
class ArticlesController < ApplicationController
  before_action :authenticate_user!, except: %i[index show]
  before_action :set_article, only: %i[show update destroy]

  def index
    @articles = Article.published.order(published_at: :desc).page(params[:page]).per(20)
    render json: @articles
  end

  def show
    render json: @article, include: :author
  end

  def create
    @article = current_user.articles.build(article_params)
    if @article.save
      render json: @article, status: :created, location: @article
    else
      render json: { errors: @article.errors.full_messages }, status: :unprocessable_entity
    end
  end

  def update
    return head :forbidden unless @article.author == current_user

    if @article.update(article_params)
      render json: @article
    else
      render json: { errors: @article.errors.full_messages }, status: :unprocessable_entity
    end
  end

  def destroy
    return head :forbidden unless @article.author == current_user

    @article.destroy
    head :no_content
  end

  private

  def set_article
    @article = Article.find(params[:id])
  end

  def article_params
    params.require(:article).permit(:title, :body, :published_at, tag_ids: [])
  end
end

# File: app/models/article.rb
class Article < ApplicationRecord
  belongs_to :author, class_name: "User"
  has_and_belongs_to_many :tags
  validates :title, presence: true, length: { maximum: 200 }
  validates :body, presence: true
  scope :published, -> { where("published_at <= ?", Time.current) }
end
'''

LARAVEL_TASKS = r'''<?php
// File: routes/api.php
use App\Http\Controllers\TaskController;
use Illuminate\Support\Facades\Route;

Route::middleware('auth:sanctum')->group(function () {
    Route::apiResource('tasks', TaskController::class);
    Route::patch('tasks/{task}/complete', [TaskController::class, 'complete']);
});

// File: app/Http/Controllers/TaskController.php
namespace App\Http\Controllers;

use App\Models\Task;
use Illuminate\Http\Request;

class TaskController extends Controller
{
    public function index(Request $request)
    {
        return $request->user()->tasks()
            ->when($request->boolean('open'), fn ($q) => $q->whereNull('completed_at'))
            ->orderBy('due_on')
            ->paginate(25);
    }

    public function store(Request $request)
    {
        $data = $request->validate([
            'title' => 'required|string|max:200',
            'due_on' => 'nullable|date|after_or_equal:today',
            'priority' => 'in:low,normal,high',
        ]);
        return response()->json($request->user()->tasks()->create($data), 201);
    }

    public function show(Task $task)
    {
        $this->authorize('view', $task);
        return $task;
    }

    public function update(Request $request, Task $task)
    {
        $this->authorize('update', $task);
        $task->update($request->validate(['title' => 'string|max:200', 'due_on' => 'nullable|date']));
        return $task;
    }

    public function complete(Task $task)
    {
        $this->authorize('update', $task);
        $task->forceFill(['completed_at' => now()])->save();
        return $task;
    }

    public function destroy(Task $task)
    {
        $this->authorize('delete', $task);
        $task->delete();
        return response()->noContent();
    }
}
'''

# Planted security problem: SQL built by concatenating request parameters.
PHP_USER_SEARCH = r'''<?php
// File: public/search.php
require __DIR__ . '/../config/db.php';

$pdo = new PDO($dsn, $dbUser, $dbPass, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);

$name = $_GET['name'] ?? '';
$role = $_GET['role'] ?? 'member';
$order = $_GET['order'] ?? 'created_at';

$sql = "SELECT id, name, email, role FROM users WHERE name LIKE '%" . $name . "%' AND role = '" . $role . "' ORDER BY " . $order;
$rows = $pdo->query($sql)->fetchAll(PDO::FETCH_ASSOC);

header('Content-Type: text/html; charset=utf-8');
echo "<h1>Users matching " . $name . "</h1>";
echo "<table><tr><th>Name</th><th>Email</th><th>Role</th></tr>";
foreach ($rows as $row) {
    echo "<tr><td>{$row['name']}</td><td>{$row['email']}</td><td>{$row['role']}</td></tr>";
}
echo "</table>";
'''
