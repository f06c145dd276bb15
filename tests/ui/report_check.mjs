// Headless Chromium on the HTML report, as a reader would open it (file://, no network).
//
//   node tests/ui/report_check.mjs /path/to/report.html SCREENSHOT.png
//
// Prints one line of JSON: what the page shows (title, section headings, images drawn, per section
// its pictures or its note), what ran (dialogs, page errors, window.__pwned set by an injected script) and what the DOM holds
// (script elements, inline event handlers, javascript: links), plus the page's visible text.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [report, screenshot] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error("usage: node report_check.mjs REPORT.html SCREENSHOT.png");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const dialogs = [];
const pageErrors = [];
const requests = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
page.on("pageerror", (err) => pageErrors.push(String(err).slice(0, 300)));
page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url()); });
let failure = null;
const result = {};
try {
  await page.goto(pathToFileURL(report).href, { waitUntil: "load", timeout: 60_000 });
  await page.waitForTimeout(500);
  // a reader clicks every link the page has
  for (const a of await page.locator("a").all()) {
    try { await a.click({ timeout: 2_000 }); } catch { /* not clickable */ }
  }
  await page.waitForTimeout(300);
  Object.assign(result, await page.evaluate(() => ({
    title: document.title,
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    headings: [...document.querySelectorAll("h2")].map((h) => h.textContent),
    images: [...document.images].map((i) => ({ alt: i.alt, width: i.naturalWidth, height: i.naturalHeight })),
    // per section: its pictures as decoded (natural size) and as laid out (shown size), or its note
    sections: [...document.querySelectorAll("section")].map((s) => ({
      id: s.id,
      images: [...s.querySelectorAll("img")].map((i) => ({
        alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight,
        shownWidth: Math.round(i.getBoundingClientRect().width), sectionWidth: Math.round(s.getBoundingClientRect().width),
      })),
      note: s.querySelector(".empty")?.textContent ?? null,
    })),
    scripts: document.querySelectorAll("script").length,
    handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
    javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    links: document.querySelectorAll("a").length,
    text: document.body.innerText,
  })));
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (err) {
  failure = err;
}
await browser.close();
console.log(JSON.stringify({ ...result, dialogs, pageErrors, requests }));
if (failure) {
  console.error(`report check failed: ${failure.message}`);
  process.exit(1);
}
