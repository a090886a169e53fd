// A folder of notes chosen in the Inbox (an Obsidian vault): each note becomes a source, shown
// in one progress list; the vault's own settings folder and files of other kinds are left out,
// and the notes' own [[links]] are kept in what was stored. A ZIP of a vault is imported whole,
// with one row per note in the same list.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway, waitCompiled } from "../harness.mjs";

let gateway;
let browser;
let root;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "wikimind-vault-"));
  const vault = join(root, "Harbour vault");
  mkdirSync(join(vault, "trips"), { recursive: true });
  mkdirSync(join(vault, ".obsidian"), { recursive: true });
  writeFileSync(
    join(vault, "Harbour.md"),
    "# Harbour\n\nThe harbour light guides boats past the reef at night. See [[Tides]] for when boats may enter.\n",
  );
  writeFileSync(
    join(vault, "trips", "Tides.md"),
    "# Tides\n\nHigh tide at the harbour comes at six in the morning, and boats enter on the rising tide.\n",
  );
  writeFileSync(join(vault, ".obsidian", "app.json"), "{}");
  writeFileSync(join(vault, "lighthouse.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  gateway = await startGateway();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test("a chosen folder adds each note once, in one progress list, and keeps the notes' links", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/`);
  await page.locator("input[webkitdirectory]").setInputFiles(join(root, "Harbour vault"));
  const summary = page.getByRole("region", { name: "Add files" }).locator(".upload-summary");
  await summary.getByText("2 of 2 added").waitFor({ timeout: 30_000 });
  assert.match(await summary.textContent(), /2 other files of the folder left out/);
  const uploads = page.getByRole("list", { name: "Uploads" });
  assert.equal(await uploads.getByRole("listitem").count(), 2);
  assert.ok(await uploads.getByText("Harbour vault/trips/Tides.md").isVisible());
  await screenshot(page, "inbox-folder");

  const { items } = await api(gateway.url, "/api/sources");
  assert.equal(items.length, 2);
  for (const s of items) await waitCompiled(gateway.url, s.id);
  const harbour = items.find((s) => s.title === "Harbour");
  assert.ok(harbour, JSON.stringify(items));
  const text = await api(gateway.url, `/api/sources/${harbour.id}/text`);
  assert.match(text, /\[\[Tides\]\]/);
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("a ZIP of a vault is imported note by note into one progress list, links kept", async () => {
  const zipPath = join(root, "Reef vault.zip");
  // The archive is made by Python's zipfile, as any zip tool would make it.
  execFileSync("python3", [
    "-c",
    `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Reef vault/Reef.md", "# Reef\\n\\nThe reef lies a mile east of the harbour and is marked by a red buoy. See [[Lighthouse]].\\n")
    z.writestr("Reef vault/notes/Lighthouse.md", "# Lighthouse\\n\\nThe lighthouse flashes white every ten seconds to warn ships off the reef.\\n")
    z.writestr("Reef vault/.obsidian/app.json", "{}")`,
    zipPath,
  ]);
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/`);
  await page.getByLabel("Choose files").setInputFiles(zipPath);
  const summary = page.getByRole("region", { name: "Add files" }).locator(".upload-summary");
  await summary.getByText("2 of 2 added").waitFor({ timeout: 30_000 });
  const uploads = page.getByRole("list", { name: "Uploads" });
  assert.ok(await uploads.getByText("Reef vault.zip › Reef vault/notes/Lighthouse.md").isVisible());
  await screenshot(page, "inbox-zip-import");

  const { items } = await api(gateway.url, "/api/sources?limit=100");
  const reef = items.find((s) => s.title === "Reef");
  assert.ok(reef, JSON.stringify(items.map((s) => s.title)));
  await waitCompiled(gateway.url, reef.id);
  const text = await api(gateway.url, `/api/sources/${reef.id}/text`);
  assert.match(text, /\[\[Lighthouse\]\]/);
  assertNoConsoleErrors(page);
  await page.context().close();
});
