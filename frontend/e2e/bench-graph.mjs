// `make bench-graph`: the Graph screen on a seeded wiki (GRAPH_DATA_DIR, e.g. 10,000 articles
// from `make seed-articles`) in headless Debian Chromium at desktop width. Prints the graph
// API's cold and cached time, the time until the screen has drawn, the main thread's long
// tasks while it loads, and the frame rate while the reader zooms and drags the graph.
// Chromium here draws WebGL in software (SwiftShader), so frame rates are a floor: a machine
// with a GPU draws faster.
import { existsSync } from "node:fs";
import { DESKTOP, chromiumPath, gatewayBinary, launchBrowser, openPage, startGateway } from "./harness.mjs";

const dataDir = process.env.GRAPH_DATA_DIR;
if (!dataDir || !existsSync(dataDir)) {
  console.error("set GRAPH_DATA_DIR to a seeded data directory (make seed-articles N=10000 DATA_DIR=…)");
  process.exit(2);
}
for (const [what, path] of [["Chromium", chromiumPath()], ["the gateway binary", gatewayBinary()]]) {
  if (!existsSync(path)) {
    console.error(`bench-graph: ${what} is missing at ${path}`);
    process.exit(2);
  }
}
const ROUNDS = Number(process.env.GRAPH_ROUNDS ?? 3);

const gateway = await startGateway({ dataDir });
const browser = await launchBrowser();
try {
  const limit = Number(process.env.GRAPH_LIMIT ?? 10_000);
  const api = async () => {
    const t = performance.now();
    const r = await fetch(`${gateway.url}/api/graph?limit=${limit}`);
    const body = await r.text();
    return { ms: performance.now() - t, bytes: body.length, graph: JSON.parse(body) };
  };
  const cold = await api();
  const warm = await api();
  const { nodes, edges, communities } = cold.graph;
  console.log(
    `graph: ${nodes.filter((n) => n.kind === "article").length} articles + ` +
      `${nodes.filter((n) => n.kind === "concept").length} concepts = ${nodes.length} nodes, ` +
      `${edges.length} edges, ${communities} communities, ${(cold.bytes / 1e6).toFixed(1)} MB of JSON`,
  );
  console.log(`GET /api/graph?limit=${limit}: ${cold.ms.toFixed(0)} ms computed, ${warm.ms.toFixed(0)} ms cached`);

  const rows = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const page = await openPage(browser, DESKTOP);
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: "longtask", buffered: true });
    });
    const start = performance.now();
    await page.goto(`${gateway.url}/graph`);
    await page.getByTestId("graph-canvas").locator("canvas").first().waitFor({ timeout: 120_000 });
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const drawn = performance.now() - start;
    // A large graph is laid out in a worker after it is first drawn: wait for it to settle.
    await page.locator('[data-testid="graph-canvas"][data-layout="done"]').waitFor({ timeout: 120_000 });
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const laidOut = performance.now() - start;
    const longTasks = await page.evaluate(() => window.__longTasks);

    // Zoom and drag for a few seconds, counting the frames the page gets to draw.
    const box = await page.getByTestId("graph-canvas").boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.evaluate(() => {
      window.__frames = [];
      const tick = (t) => {
        window.__frames.push(t);
        if (!window.__stopFrames) requestAnimationFrame(tick);
      };
      window.__stopFrames = false;
      requestAnimationFrame(tick);
    });
    for (let i = 0; i < 10; i += 1) {
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, i < 5 ? -240 : 240);
      await page.waitForTimeout(60);
    }
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < 40; i += 1) {
      await page.mouse.move(cx + Math.sin(i / 6) * 200, cy + Math.cos(i / 6) * 120);
      await page.waitForTimeout(25);
    }
    await page.mouse.up();
    const frames = await page.evaluate(() => {
      window.__stopFrames = true;
      return window.__frames;
    });
    const gaps = frames.slice(1).map((t, i) => t - frames[i]);
    const seconds = (frames[frames.length - 1] - frames[0]) / 1000;
    rows.push({
      drawn,
      laidOut,
      longTaskMs: longTasks.reduce((a, b) => a + b, 0),
      longestTask: Math.max(0, ...longTasks),
      fps: (frames.length - 1) / seconds,
      worstFrame: Math.max(...gaps),
    });
    if (page.errors.length) throw new Error(`the Graph screen logged errors: ${page.errors.join("; ")}`);
    await page.context().close();
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  console.log(`\nmedian of ${rows.length} loads of /graph at ${DESKTOP.width}×${DESKTOP.height}:`);
  console.log(
    "| drawn after | laid out after | main-thread long tasks until laid out (sum / longest) | frames/s zooming and dragging | worst frame |",
  );
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${median("drawn").toFixed(0)} ms | ${median("laidOut").toFixed(0)} ms | ` +
      `${median("longTaskMs").toFixed(0)} ms / ${median("longestTask").toFixed(0)} ms | ` +
      `${median("fps").toFixed(0)} | ${median("worstFrame").toFixed(0)} ms |`,
  );
} finally {
  await browser.close();
  await gateway.stop();
}
