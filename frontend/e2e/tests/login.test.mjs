// With WIKIMIND_AUTH_TOKEN set the app asks for the token once, keeps an HttpOnly session cookie,
// and its WebSocket is authenticated by that cookie.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  assertAccessibleBasics, assertNoConsoleErrors, launchBrowser, openPage, screenshot, startGateway, PHONE,
} from "../harness.mjs";

const TOKEN = "e2e-correct-horse-battery";
let gateway;
let browser;

before(async () => {
  gateway = await startGateway({ token: TOKEN });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
});

test("the login page exchanges the token for a session the WebSocket accepts", async () => {
  const page = await openPage(browser);
  await page.goto(`${gateway.url}/jobs`);
  await page.waitForURL("**/login");
  await page.getByRole("heading", { name: /WikiMind/ }).waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "login");

  await page.getByLabel("Access token").fill("not-the-token");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").textContent(), /token/i);

  await page.getByLabel("Access token").fill(TOKEN);
  await page.getByRole("button", { name: "Log in" }).click();
  // Back where the person was going, with live updates over the cookie-authenticated socket.
  await page.waitForURL("**/jobs");
  await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();
  await page.locator(".live.live-open").waitFor();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "wikimind_session");
  assert.ok(session, "a session cookie was set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("wikimind_session")), false);

  // A reload keeps the session.
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();

  // Logging out from Settings returns to the login page.
  await page.goto(`${gateway.url}/settings`);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL("**/login");
  // Only the wrong-token attempt may have logged an error: Chromium reports the failed
  // `/api/auth/login` request (401) on the console. Any other 401 is a real problem.
  const loginUrl = `${gateway.url}/api/auth/login`;
  page.errors = page.errors.filter((e) => !(e.includes("401") && e.includes(loginUrl)));
  assertNoConsoleErrors(page);
  await page.context().close();
});

test("the login page works on a phone", async () => {
  const page = await openPage(browser, PHONE);
  await page.goto(`${gateway.url}/`);
  await page.waitForURL("**/login");
  await page.getByLabel("Access token").waitFor();
  await assertAccessibleBasics(page);
  await screenshot(page, "login");
  assertNoConsoleErrors(page);
  await page.context().close();
});
