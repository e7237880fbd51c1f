// Opens the admin status page in headless Chromium, first with a wrong token and then with the right
// one, waits for three polls and prints one JSON object with what the page shows.
//
//   node admin-status.mjs '{"url":"http://127.0.0.1:9642/admin/status","token":"t","wrongToken":"x"}'
import { chromium } from 'playwright-core';

const input = JSON.parse(process.argv[2]);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'], timeout: 30000 });

let result;
try {
  const page = await browser.newPage();
  // Anything the page logs as an error, a script error, or a blocked load (a content security policy
  // violation shows as a console error) fails the test.
  const consoleErrors = [];
  page.on('console', message => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', error => consoleErrors.push(String(error)));
  await page.goto(input.url);

  await page.fill('#token', input.wrongToken);
  await page.click('button[type=submit]');
  await page.waitForSelector('#error:not([hidden])', { timeout: 10000 });
  const refused = await page.textContent('#error');
  const hiddenWhenRefused = await page.isHidden('#status');

  // Chromium logs the 401 of the refused fetch as a console error; what follows must log nothing.
  consoleErrors.length = 0;
  await page.fill('#token', input.token);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => Number(document.body.dataset.polls ?? 0) >= 3, null, { timeout: 20000 });

  result = await page.evaluate(() => {
    const text = id => document.getElementById(id).textContent;
    const drops = {};
    for (const tr of document.querySelectorAll('#drops tbody tr')) {
      drops[tr.dataset.reason] = Number(tr.cells[1].textContent);
    }
    const rows = [...document.querySelectorAll('#allocation-list tbody tr')]
      .map(tr => ({ id: tr.dataset.id, user: tr.cells[1].textContent, client: tr.cells[2].textContent, transport: tr.cells[3].textContent }));
    return {
      version: text('version'),
      state: text('state'),
      errorShown: !document.getElementById('error').hidden,
      allocations: Number(text('allocations')),
      permissions: Number(text('permissions')),
      packetsToPeerRate: Number(text('packets-to-peer-rate')),
      packetsToClientRate: Number(text('packets-to-client-rate')),
      kbitsToPeerRate: Number(text('kbits-to-peer-rate')),
      drops,
      rows,
    };
  });
  Object.assign(result, { refused, hiddenWhenRefused, consoleErrors });
} catch (error) {
  result = { error: String(error) };
} finally {
  await browser.close();
}

console.log(JSON.stringify(result));
