/// <reference types="vitest" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app on :5173 and sends the API to the gateway of `make dev` (:8080).
const gateway = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": gateway, "/web-config.json": gateway } },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    testTimeout: 120_000,
    // two test files at once (vitest's default in `run` is one fewer than the CPUs: one on a 2-core machine)
    maxWorkers: 2,
    minWorkers: 1,
  },
});
