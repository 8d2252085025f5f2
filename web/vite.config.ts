import { defineConfig } from "vitest/config";

// ward serves this build under a strict Content-Security-Policy
// (script-src 'self'; style-src 'self'): the build must emit only external
// files, never an inline <script> or style attribute.
export default defineConfig({
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // The module-preload polyfill would be injected as inline code; every
    // browser ward supports has native modulepreload.
    modulePreload: { polyfill: false },
    // No inlined assets: data: URLs for fonts/images are avoided so nothing
    // depends on CSP exceptions.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
