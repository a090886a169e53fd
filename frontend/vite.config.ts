/// <reference types="vitest/config" />
// Vite builds the web app into dist/, which the gateway embeds; `npm run dev` proxies the API
// to a gateway on 7842 so the app can be developed with hot reload.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const gateway = process.env.WIKIMIND_GATEWAY ?? "http://127.0.0.1:7842";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, assetsDir: "assets" },
  server: {
    proxy: {
      "/api/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
      "/api": gateway,
      "/health": gateway,
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
