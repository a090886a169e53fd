/// <reference types="vitest/config" />
// Vite builds the web app into dist/, which the gateway embeds; `npm run dev` proxies the API
// to a gateway on 7842 so the app can be developed with hot reload.
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

const gateway = process.env.WIKIMIND_GATEWAY ?? "http://127.0.0.1:7842";

/** An SVG image as a data: URL (percent-encoded, so it fits in any JS string literal). */
const svgUrl = (svg: string) => `data:image/svg+xml,${encodeURIComponent(svg)}`;
const wordmark = (text: string, width: number) =>
  svgUrl(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 14" width="${width}" height="14">` +
      `<text x="0" y="11.5" font-family="system-ui,sans-serif" font-size="12" font-weight="600" fill="#4a7fe6" ` +
      `textLength="${width}" lengthAdjust="spacingAndGlyphs">${text}</text></svg>`,
  );

/**
 * Keeps Redoc's standalone bundle (the /api/docs page) within that page's CSP, with nothing
 * loaded from another origin and no violation reported:
 * - the sidebar's "API docs by" badge loads Redocly's logo from their CDN: a local wordmark
 *   instead (img-src allows data:); the build fails if any other CDN address is left;
 * - search probes whether it may eval (`Function(source)`) to run its index in a worker, which
 *   script-src forbids: the probe is made to fail without eval, so search goes straight to the
 *   main-thread index it would have fallen back to.
 */
function redocWithinCsp(): Plugin {
  return {
    name: "wikimind:redoc-within-csp",
    transform(code, id) {
      if (!/[\\/]redoc[\\/]bundles[\\/]redoc\.standalone\.js$/.test(id.split("?")[0] ?? "")) return null;
      let out = code
        .replaceAll("https://cdn.redoc.ly/redoc/logo-mini-full.svg", wordmark("Redocly", 46))
        .replaceAll("https://cdn.redoc.ly/redoc/logo-mini.svg", wordmark("R", 9));
      if (out.includes("cdn.redoc.ly")) this.error("redoc loads something more from cdn.redoc.ly");
      const probe = "._factory??=Function(";
      if (out.includes(probe)) {
        out = out.replace(probe, "._factory??=(()=>{throw Error(`no eval under CSP`)})(");
      } else {
        this.warn("redoc's eval probe changed: /api/docs may report a script-src violation");
      }
      return { code: out, map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), redocWithinCsp()],
  // Served as is in dev too, so that the plugin above applies to it.
  optimizeDeps: { exclude: ["redoc"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    assetsDir: "assets",
    // The modulepreload polyfill (for browsers that ignore <link rel="modulepreload">, which then
    // just load modules without preloading) would otherwise become a chunk shared by both pages.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // Two pages: the app, and the API reference the gateway serves at /api/docs, whose Redoc
      // bundle stays out of the app's chunks.
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        "api-docs": fileURLToPath(new URL("api-docs.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      "/api/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
      // Not a bare "/api", which would also take /api-docs.html.
      "^/api/": gateway,
      "/health": gateway,
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
