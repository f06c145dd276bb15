// Headless Chromium on the Dagster UI's global asset lineage, as a person would look at it.
//
//   node tests/ui/browser_check.mjs http://127.0.0.1:PORT SCREENSHOT.png [ASSET ...]
//
// Opens /asset-groups, presses Skip on the "Join the Dagster community" dialog a fresh
// DAGSTER_HOME shows, expands every group (graph settings → "Expand all groups"), waits until the
// named assets (default: fct_claims, annotation_batches) are drawn in the graph, takes a screenshot
// and prints one line of JSON: {"url", "title", "dialogSkipped", "groups", "assets": {name: shown}}.
// Exits 1 with a message on stderr when a step fails (a screenshot is still attempted).
import { chromium } from "playwright-core";

const [base, screenshot, ...wanted] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error("usage: node browser_check.mjs BASE_URL SCREENSHOT.png [ASSET ...]");
  process.exit(2);
}
const assets = wanted.length ? wanted : ["fct_claims", "annotation_batches"];
const url = `${base.replace(/\/$/, "")}/asset-groups`;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1920, height: 1200 } });
const pageErrors = [];
page.on("pageerror", (err) => pageErrors.push(String(err).slice(0, 300)));
const result = { url, title: null, dialogSkipped: false, groups: [], assets: {}, pageErrors };
let failure = null;
try {
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });
  // the lineage page is ready when its toolbar is; the graph's group boxes come with it
  await page.getByText("Materialize all", { exact: true }).waitFor({ timeout: 60_000 });
  // the page names itself in an effect after it renders: on a slow machine the toolbar can come
  // first, with the app's default title still set, so wait for the page's own title (if it never
  // comes, the title read is the default and the test says so)
  await page.waitForFunction(() => document.title && document.title !== "Dagster", null, { timeout: 30_000 })
    .catch(() => {});
  result.title = await page.title();

  // A fresh DAGSTER_HOME asks once (the answer is stored there), a few seconds after the page loads.
  const skip = page.getByRole("button", { name: "Skip", exact: true });
  try {
    await skip.waitFor({ state: "visible", timeout: 6_000 });
    await skip.click();
    await skip.waitFor({ state: "hidden", timeout: 10_000 });
    result.dialogSkipped = true;
  } catch (err) {
    if (await skip.isVisible()) throw new Error(`could not dismiss the community dialog: ${err.message}`);
  }

  // Many groups start collapsed to one box each; the graph's settings menu expands them all.
  const graphSettings = page.locator('[aria-label="settings"]').last();
  await graphSettings.click();
  // (a hidden copy of the label lives in the zoom slider's tooltip: click the menu item itself)
  await page.getByRole("menuitem", { name: /Expand all groups/ }).click({ timeout: 10_000 });
  await page.keyboard.press("Escape");

  for (const name of assets) {
    // exact text: an asset node's label (the sidebar's tree shows only collapsed group names)
    const node = page.getByText(name, { exact: true }).first();
    try {
      await node.waitFor({ state: "visible", timeout: 10_000 });
      result.assets[name] = true;
    } catch {
      // a large graph does not fit the window, and nodes outside it are not drawn: jump to it
      try {
        const jump = page.getByPlaceholder(/Jump to/);
        await jump.fill(name);
        await page.waitForTimeout(1_000);
        await jump.press("Enter");
        await node.waitFor({ state: "visible", timeout: 20_000 });
        result.assets[name] = true;
      } catch {
        result.assets[name] = false;
      }
    }
  }
  result.groups = await page.locator('[aria-label="asset_group"]').evaluateAll(
    (icons) => [...new Set(icons.map((i) => i.parentElement?.innerText?.trim().split("\n")[0]).filter(Boolean))]);
  await page.waitForTimeout(1_000); // let the graph finish its zoom-to-fit animation
} catch (err) {
  failure = err;
}
try {
  await page.screenshot({ path: screenshot });
} catch (err) {
  failure = failure || err;
}
await browser.close();
console.log(JSON.stringify(result));
if (failure) {
  console.error(`browser check failed: ${failure.message}`);
  process.exit(1);
}
