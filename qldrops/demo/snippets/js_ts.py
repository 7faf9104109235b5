"""TypeScript and JavaScript: React, Next.js, Vue, Express middleware, Node scripts."""

REACT_METRIC_CARD = r'''// File: src/components/MetricCard.tsx
import React from "react";

export interface MetricCardProps {
  label: string;
  value: number;
  previous?: number;
  unit?: string;
  loading?: boolean;
}

function formatValue(value: number, unit?: string): string {
  const formatted = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 }).format(value);
  return unit ? `${formatted} ${unit}` : formatted;
}

export function MetricCard({ label, value, previous, unit, loading = false }: MetricCardProps) {
  if (loading) {
    return <div className="metric-card metric-card--loading" aria-busy="true" />;
  }
  const delta = previous ? ((value - previous) / previous) * 100 : null;
  const trend = delta === null ? "flat" : delta >= 0 ? "up" : "down";
  return (
    <div className="metric-card" role="group" aria-label={label}>
      <span className="metric-card__label">{label}</span>
      <strong className="metric-card__value">{formatValue(value, unit)}</strong>
      {delta !== null && (
        <span className={`metric-card__delta metric-card__delta--${trend}`}>
          {trend === "up" ? "▲" : "▼"} {Math.abs(delta).toFixed(1)}%
        </span>
      )}
    </div>
  );
}

// File: src/components/Dashboard.tsx
import React, { useEffect, useState } from "react";
import { MetricCard } from "./MetricCard";

interface Metrics {
  activeUsers: number;
  activeUsersPrev: number;
  revenue: number;
  revenuePrev: number;
  p95LatencyMs: number;
}

export function Dashboard({ endpoint }: { endpoint: string }) {
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetch(endpoint, { signal: controller.signal })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then(setMetrics)
      .catch((e) => e.name !== "AbortError" && setError(e.message));
    return () => controller.abort();
  }, [endpoint]);

  if (error) return <p role="alert">Could not load metrics: {error}</p>;
  return (
    <section className="dashboard-grid">
      <MetricCard label="Active users" value={metrics?.activeUsers ?? 0} previous={metrics?.activeUsersPrev} loading={!metrics} />
      <MetricCard label="Revenue" value={metrics?.revenue ?? 0} previous={metrics?.revenuePrev} unit="EUR" loading={!metrics} />
      <MetricCard label="p95 latency" value={metrics?.p95LatencyMs ?? 0} unit="ms" loading={!metrics} />
    </section>
  );
}
'''

EXPRESS_RATE_LIMIT = r'''// File: src/middleware/rateLimit.ts
import type { NextFunction, Request, Response } from "express";

export interface RateLimitOptions {
  windowMs: number;
  max: number;
  keyFn?: (req: Request) => string;
}

interface Window {
  count: number;
  resetAt: number;
}

export function rateLimit({ windowMs, max, keyFn = (req) => req.ip ?? "unknown" }: RateLimitOptions) {
  const windows = new Map<string, Window>();

  // Sweep expired windows so the map does not grow without bound.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
  }, windowMs);
  sweeper.unref();

  return function rateLimitMiddleware(req: Request, res: Response, next: NextFunction) {
    const now = Date.now();
    const key = keyFn(req);
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      windows.set(key, w);
    }
    w.count += 1;
    res.setHeader("X-RateLimit-Limit", String(max));
    res.setHeader("X-RateLimit-Remaining", String(Math.max(0, max - w.count)));
    if (w.count > max) {
      res.setHeader("Retry-After", String(Math.ceil((w.resetAt - now) / 1000)));
      return res.status(429).json({ error: "Too many requests" });
    }
    next();
  };
}

// File: src/server.ts
import express from "express";
import { rateLimit } from "./middleware/rateLimit";

const app = express();
app.use(express.json());
app.use("/api", rateLimit({ windowMs: 60_000, max: 100 }));
app.get("/api/ping", (_req, res) => res.json({ pong: true, at: new Date().toISOString() }));
app.listen(3000, () => console.log("listening on http://localhost:3000"));
'''

NEXT_PRODUCT_PAGE = r'''// File: app/products/[id]/page.tsx
import { notFound } from "next/navigation";
import type { Metadata } from "next";

type Product = {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  images: string[];
  inStock: boolean;
};

async function getProduct(id: string): Promise<Product | null> {
  const res = await fetch(`${process.env.API_URL}/products/${id}`, { next: { revalidate: 300 } });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`Failed to load product ${id}: ${res.status}`);
  return res.json();
}

export async function generateMetadata({ params }: { params: { id: string } }): Promise<Metadata> {
  const product = await getProduct(params.id);
  return { title: product ? `${product.name} | Shop` : "Product not found" };
}

const price = (cents: number) => new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" }).format(cents / 100);

export default async function ProductPage({ params }: { params: { id: string } }) {
  const product = await getProduct(params.id);
  if (!product) notFound();
  return (
    <main className="mx-auto max-w-4xl p-6 grid gap-8 md:grid-cols-2">
      <img src={product.images[0]} alt={product.name} className="rounded-xl w-full object-cover" />
      <section>
        <h1 className="text-3xl font-semibold">{product.name}</h1>
        <p className="mt-2 text-xl">{price(product.priceCents)}</p>
        <p className="mt-4 text-gray-600">{product.description}</p>
        <button disabled={!product.inStock} className="mt-6 rounded bg-black px-4 py-2 text-white disabled:opacity-40">
          {product.inStock ? "Add to cart" : "Sold out"}
        </button>
      </section>
    </main>
  );
}
'''

VUE_TODO_LIST = r'''<!-- File: src/components/TodoList.vue -->
<template>
  <section class="todo">
    <form @submit.prevent="add">
      <input v-model.trim="draft" placeholder="What needs doing?" aria-label="New todo" />
      <button :disabled="!draft">Add</button>
    </form>
    <ul>
      <li v-for="todo in visible" :key="todo.id" :class="{ done: todo.done }">
        <input type="checkbox" v-model="todo.done" />
        <span>{{ todo.title }}</span>
        <button class="remove" @click="remove(todo.id)" aria-label="Remove">×</button>
      </li>
    </ul>
    <footer>
      <span>{{ remaining }} left</span>
      <select v-model="filter">
        <option value="all">All</option>
        <option value="active">Active</option>
        <option value="done">Done</option>
      </select>
    </footer>
  </section>
</template>

<script setup>
import { computed, ref, watch } from "vue";

const STORAGE_KEY = "todos-v1";
const todos = ref(JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]"));
const draft = ref("");
const filter = ref("all");

const visible = computed(() => {
  if (filter.value === "active") return todos.value.filter((t) => !t.done);
  if (filter.value === "done") return todos.value.filter((t) => t.done);
  return todos.value;
});
const remaining = computed(() => todos.value.filter((t) => !t.done).length);

function add() {
  todos.value.push({ id: Date.now(), title: draft.value, done: false });
  draft.value = "";
}

function remove(id) {
  todos.value = todos.value.filter((t) => t.id !== id);
}

watch(todos, (value) => localStorage.setItem(STORAGE_KEY, JSON.stringify(value)), { deep: true });
</script>

<style scoped>
.todo { max-width: 28rem; margin: 2rem auto; font-family: system-ui, sans-serif; }
li { display: flex; gap: 0.5rem; align-items: center; padding: 0.25rem 0; }
li.done span { text-decoration: line-through; color: #888; }
.remove { margin-left: auto; border: none; background: none; cursor: pointer; }
</style>
'''

CSV_SUMMARY = r'''// File: csv-summary.js
// Summarise a CSV (built-in sample, or a file path argument): count, mean, min, max per numeric column.
const fs = require("fs");

const SAMPLE = `city,temp_c,rain_mm,wind_kmh
Lisbon,19.5,0.0,14
Oslo,4.1,2.3,22
Madrid,17.8,0.0,9
Dublin,10.2,5.6,31
Vienna,8.9,1.1,12`;

function parse(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [columns[i], v])));
}

function summarise(rows) {
  const stats = {};
  for (const row of rows) {
    for (const [col, raw] of Object.entries(row)) {
      const n = Number(raw);
      if (raw === "" || Number.isNaN(n)) continue;
      const s = (stats[col] ??= { count: 0, sum: 0, min: Infinity, max: -Infinity });
      s.count += 1;
      s.sum += n;
      s.min = Math.min(s.min, n);
      s.max = Math.max(s.max, n);
    }
  }
  return stats;
}

const text = process.argv[2] ? fs.readFileSync(process.argv[2], "utf8") : SAMPLE;
const rows = parse(text);
console.log(`${rows.length} rows`);
for (const [col, s] of Object.entries(summarise(rows))) {
  console.log(`${col.padEnd(10)} mean=${(s.sum / s.count).toFixed(2).padStart(7)} min=${s.min} max=${s.max}`);
}
'''

# Low-quality code on purpose: nested conditionals instead of a rules table.
FORM_VALIDATOR_LEGACY = r'''// File: public/js/validate.js
function validateForm(form) {
  var errors = [];
  if (form) {
    if (form.email !== undefined) {
      if (form.email.length > 0) {
        if (form.email.indexOf("@") > 0) {
          if (form.email.indexOf(".", form.email.indexOf("@")) > 0) {
            if (form.email.length < 255) {
              // ok
            } else {
              errors.push("email too long");
            }
          } else {
            errors.push("email domain invalid");
          }
        } else {
          errors.push("email must contain @");
        }
      } else {
        errors.push("email required");
      }
    } else {
      errors.push("email missing");
    }
    if (form.password !== undefined) {
      if (form.password.length >= 8) {
        if (/[A-Z]/.test(form.password)) {
          if (/[0-9]/.test(form.password)) {
            if (form.password !== form.email) {
              // ok
            } else {
              errors.push("password must differ from email");
            }
          } else {
            errors.push("password needs a digit");
          }
        } else {
          errors.push("password needs an uppercase letter");
        }
      } else {
        errors.push("password too short");
      }
    } else {
      errors.push("password missing");
    }
    if (form.age !== undefined && form.age !== "") {
      if (!isNaN(parseInt(form.age))) {
        if (parseInt(form.age) >= 18) {
          if (parseInt(form.age) < 130) {
            // ok
          } else {
            errors.push("age not plausible");
          }
        } else {
          errors.push("must be 18 or older");
        }
      } else {
        errors.push("age must be a number");
      }
    }
  } else {
    errors.push("no form");
  }
  return errors;
}

console.log(validateForm({ email: "ada@example.org", password: "Secret123", age: "36" }));
console.log(validateForm({ email: "nope", password: "short", age: "12" }));
'''

TYPED_EMITTER = r'''// File: src/events.ts
type Listener<T> = (payload: T) => void;

export class TypedEmitter<Events extends Record<string, unknown>> {
  private listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    (this.listeners[event] ??= new Set()).add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners[event]?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): number {
    const set = this.listeners[event];
    if (!set) return 0;
    for (const listener of [...set]) listener(payload);
    return set.size;
  }
}

// File: src/demo.ts
import { TypedEmitter } from "./events";

type AppEvents = {
  "user:login": { id: number; name: string };
  "cart:checkout": { total: number; items: number };
};

const bus = new TypedEmitter<AppEvents>();
bus.on("user:login", (u) => console.log(`welcome back, ${u.name}`));
bus.once("cart:checkout", (c) => console.log(`checked out ${c.items} items for ${c.total.toFixed(2)}`));
bus.emit("user:login", { id: 7, name: "Grace" });
bus.emit("cart:checkout", { total: 42.5, items: 3 });
bus.emit("cart:checkout", { total: 1, items: 1 }); // ignored: once
'''
