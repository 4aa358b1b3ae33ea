/// <reference types="vitest" />
/// <reference types="node" />
import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * Swagger UI 5 (npm swagger-ui-dist, a devDependency) copied into the build as swagger/swagger-ui-bundle.js and
 * swagger/swagger-ui.css: the gateway's /docs page loads them from there (no public CDN; Swagger UI 5 reads the
 * OpenAPI 3.1 document FastAPI writes). The trailing source-map comment is dropped (the map is not shipped).
 */
function swaggerUi(): Plugin {
  const dist = new URL("./node_modules/swagger-ui-dist/", import.meta.url);
  return {
    name: "vanthu-swagger-ui",
    apply: "build",
    generateBundle() {
      for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
        const text = readFileSync(new URL(name, dist), "utf-8").replace(/\n\/[*/]# sourceMappingURL=\S+( \*\/)?\s*$/, "\n");
        this.emitFile({ type: "asset", fileName: `swagger/${name}`, source: text });
      }
    },
  };
}

// `npm run dev` serves the app on :5173 and sends the API to the gateway of `make dev` (:8080).
const gateway = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), swaggerUi()],
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
