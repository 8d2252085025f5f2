// source-hash.mjs computes one SHA-256 over the files the build reads, so a
// Go test (web/embed_test.go) can tell when the committed dist/ is stale.
// The same algorithm is in embed_test.go: for every input file, sorted by
// its slash-separated path relative to web/, hash the line
// "<path> <sha256 of content, hex>\n"; the result is the hex SHA-256 of
// those lines. Test files (*.test.ts) do not change the build and are left out.
//
//   node scripts/source-hash.mjs          print the hash
//   node scripts/source-hash.mjs --write  write it to dist/.source-hash
//   node scripts/source-hash.mjs --check  exit 1 when dist/ is stale
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const single = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];
const dirs = ["src", "public"];

function walk(dir, out) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && !e.name.endsWith(".test.ts")) out.push(p);
  }
}

export function sourceHash() {
  const files = single.map((f) => join(root, f)).filter(existsSync);
  for (const d of dirs) walk(join(root, d), files);
  const rel = files.map((f) => relative(root, f).split(sep).join("/")).sort();
  const h = createHash("sha256");
  for (const r of rel) {
    const c = createHash("sha256").update(readFileSync(join(root, r))).digest("hex");
    h.update(`${r} ${c}\n`);
  }
  return h.digest("hex");
}

const mode = process.argv[2];
const hash = sourceHash();
const file = join(root, "dist", ".source-hash");
if (mode === "--write") {
  writeFileSync(file, hash + "\n");
} else if (mode === "--check") {
  const got = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (got !== hash) {
    console.error(`web/dist is stale (built from ${got || "nothing"}, sources are ${hash}): run make web`);
    process.exit(1);
  }
} else {
  console.log(hash);
}
