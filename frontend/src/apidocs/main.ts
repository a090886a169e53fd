// Entry point of api-docs.html, which the gateway serves at /api/docs: Redoc renders the
// gateway's OpenAPI document. Redoc is bundled from npm into this page's own chunk (never the
// app's), and its telemetry is off, so the page loads and sends nothing outside this origin.
import { init } from "redoc/bundles/redoc.standalone.js";

init("/api/openapi.json", {
  // Otherwise Redoc posts usage traces to Redocly's collector (which connect-src would block).
  disableTelemetry: true,
  // Operations are addressed as /api/docs#/…, so the gateway serves a single path.
  router: "hash",
});
