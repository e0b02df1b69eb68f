// Real-browser test: the classic Jupyter Notebook (Debian jupyter-notebook) in Debian's headless Chromium,
// driven by playwright-core. A newcomer's path through notebooks/02-suspend-and-resume.ipynb:
//   run the definitions cell; run the long training cell (Shift+Enter); while it prints, run the
//   `%suspend demo` cell; restart the kernel from the UI (Kernel -> Restart, confirm); run `%resume demo`;
// then check in the page that the training continued where it stopped (the epoch lines of the two cells
// together are exactly those of an uninterrupted run), that the %resume cell displays the final value, and
// that the restarted kernel announced the automatic restore of its namespace and the waiting cell.
//
// Environment: SUSPENDABLE_BIN (the kernel binary; ctest passes it), BROWSER_ARTIFACTS_DIR (screenshots;
// default $TMPDIR/suspendable-browser-artifacts), CHROMIUM (default /usr/bin/chromium).
// Everything the server, the kernel and the browser write goes to a fresh temporary directory.
// Every wait is on a page or server state with a deadline; a misbehaving kernel fails with what the page shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const NOTEBOOK = '02-suspend-and-resume.ipynb';
const PYTHON = '/usr/bin/python3';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.BROWSER_ARTIFACTS_DIR || path.join(os.tmpdir(), 'suspendable-browser-artifacts');
const SESSION = 'demo';

function log(...args) {
  console.log(`[browser-test ${new Date().toISOString().slice(11, 23)}]`, ...args);
}

function kernelBinary() {
  if (process.env.SUSPENDABLE_BIN) return process.env.SUSPENDABLE_BIN;
  const builds = fs.readdirSync(REPO).filter((d) => d.startsWith('build')).sort();
  for (const d of builds) {
    const candidate = path.join(REPO, d, 'suspendable');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('no suspendable binary: set SUSPENDABLE_BIN');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Hermetic directories (like tests/e2e/harness.py), the kernelspec installed into a temporary prefix.
function environment(root, binary) {
  const env = { ...process.env };
  for (const v of ['PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'JUPYTER_CONFIG_PATH', 'MPLBACKEND',
    'JUPYTER_TOKEN', 'VIRTUAL_ENV']) delete env[v];
  const dirs = {
    HOME: 'home', IPYTHONDIR: 'ipython', JUPYTER_CONFIG_DIR: 'jupyter-config', JUPYTER_DATA_DIR: 'jupyter-data',
    JUPYTER_RUNTIME_DIR: 'jupyter-runtime', MPLCONFIGDIR: 'matplotlib', XDG_CONFIG_HOME: 'xdg-config',
    XDG_DATA_HOME: 'xdg-data', XDG_CACHE_HOME: 'xdg-cache', XDG_STATE_HOME: 'xdg-state',
    SUSPENDABLE_HOME: 'suspendable-home',
  };
  for (const [name, sub] of Object.entries(dirs)) {
    env[name] = path.join(root, sub);
    fs.mkdirSync(env[name], { recursive: true });
  }
  const prefix = path.join(root, 'prefix');
  const install = spawnSync(binary, ['install-kernelspec', '--prefix', prefix],
    { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(install.status, 0,
    `${binary} install-kernelspec --prefix ${prefix} failed:\n${install.stdout}\n${install.stderr}`);
  env.JUPYTER_PATH = [path.join(prefix, 'share', 'jupyter'), '/usr/share/jupyter'].join(path.delimiter);
  env.JUPYTER_PREFER_ENV_PATH = '0';
  env.PYTHONNOUSERSITE = '1';
  // The notebook server imports ipykernel, whose debugger warns about frozen modules at start: log noise.
  env.PYDEVD_DISABLE_FILE_VALIDATION = '1';
  return env;
}

// The long cell's expected output: the notebook's own definitions cell, run by plain CPython without sleeps.
function uninterruptedRun(definitions) {
  const code = `${definitions}\nimport time\nmodel = train(epochs=12)\nprint("RESULT", repr(model))\n`;
  const patched = `import time\ntime.sleep = lambda s: None\n${code}`;
  const run = spawnSync(PYTHON, ['-c', patched], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `reference run failed:\n${run.stderr}`);
  const lines = run.stdout.split('\n');
  return {
    epochs: lines.filter((l) => l.startsWith('epoch ')),
    result: lines.find((l) => l.startsWith('RESULT ')).slice('RESULT '.length),
  };
}

class NotebookServer {
  constructor(env, dir, port, token, logFile) {
    this.url = `http://127.0.0.1:${port}`;
    this.token = token;
    this.logFile = logFile;
    const out = fs.openSync(logFile, 'w');
    this.proc = spawn(PYTHON, ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`,
      '--port-retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`, '--allow-root',
      '--NotebookApp.open_browser=False'], { env, cwd: dir, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exited = null;
    this.proc.on('exit', (code, signal) => { this.exited = { code, signal }; });
  }

  logTail(lines = 60) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  async api(method, route) {
    const res = await fetch(`${this.url}${route}`, {
      method, headers: { Authorization: `token ${this.token}` }, signal: AbortSignal.timeout(10_000),
    });
    return res;
  }

  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`notebook server exited (${JSON.stringify(this.exited)}):\n${this.logTail()}`);
      try {
        const res = await this.api('GET', '/api/status');
        if (res.ok) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`notebook server not ready in ${timeoutMs} ms:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  // Shut the kernels down through the REST API, then the server; kill only this server's process if it hangs.
  async stop() {
    if (this.exited) return;
    try {
      const kernels = await (await this.api('GET', '/api/kernels')).json();
      for (const k of kernels) await this.api('DELETE', `/api/kernels/${k.id}`);
      await this.api('POST', '/api/shutdown');
    } catch (e) {
      log('REST shutdown failed:', e.message);
    }
    const exited = new Promise((r) => (this.exited ? r() : this.proc.once('exit', r)));
    const timer = (ms) => new Promise((r) => setTimeout(r, ms).unref());
    await Promise.race([exited, timer(15_000)]);
    if (!this.exited) {
      this.proc.kill('SIGTERM');
      await Promise.race([exited, timer(10_000)]);
    }
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------------------------------------------
// Page helpers: cells are addressed by index among #notebook-container's cells.
// ------------------------------------------------------------------------------------------------------

function cellLocator(page, index) {
  return page.locator('#notebook-container > .cell').nth(index);
}

// The first code cell whose source starts with `prefix` (or, with exact, is `prefix`).
async function cellIndex(page, prefix, exact = false) {
  const index = await page.evaluate(([p, ex]) =>
    window.Jupyter.notebook.get_cells().findIndex((c) => c.cell_type === 'code' &&
      (ex ? c.get_text().trim() === p : c.get_text().startsWith(p))),
  [prefix, exact]);
  assert.ok(index >= 0, `no code cell ${exact ? 'holding' : 'starting with'} ${JSON.stringify(prefix)}`);
  return index;
}

// What a cell shows: its prompt, stdout, stderr, results (innerText, as the user sees it).
async function cellState(page, index) {
  return cellLocator(page, index).evaluate((cell) => {
    const text = (sel) => Array.from(cell.querySelectorAll(sel)).map((e) => e.innerText).join('');
    return {
      prompt: (cell.querySelector('.input_prompt') || {}).innerText || '',
      stdout: text('.output_stdout'),
      stderr: text('.output_stderr'),
      result: text('.output_result'),
      errors: text('.output_error'),
      all: (cell.querySelector('.output_wrapper') || {}).innerText || '',
    };
  });
}

async function kernelStatus(page) {
  return page.evaluate(() => {
    const n = document.querySelector('#notification_kernel');
    const icon = document.querySelector('#kernel_indicator_icon');
    return `notification=${JSON.stringify(n ? n.innerText : '')} indicator=${icon ? icon.className : '?'}`;
  });
}

// Waits until predicate(state of cell `index`) holds; on timeout fails with what the cell shows.
async function waitCell(page, index, what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let state;
  for (;;) {
    state = await cellState(page, index);
    if (predicate(state)) return state;
    if (Date.now() > deadline) {
      throw new Error(`cell ${index}: ${what} not seen within ${timeoutMs} ms; kernel: ${await kernelStatus(page)}\n` +
        `cell shows:\n${JSON.stringify(state, null, 1)}`);
    }
    await page.waitForTimeout(100);
  }
}

// What a user does: click into the cell's editor, press Shift+Enter.
async function runCell(page, index) {
  const cell = cellLocator(page, index);
  await cell.locator('.input_area').click();
  await page.keyboard.press('Shift+Enter');
}

async function waitKernelIdle(page, timeoutMs) {
  await page.waitForFunction(() => {
    const k = window.Jupyter && window.Jupyter.notebook && window.Jupyter.notebook.kernel;
    const icon = document.querySelector('#kernel_indicator_icon');
    return k && k.is_connected() && icon && icon.classList.contains('kernel_idle_icon');
  }, null, { timeout: timeoutMs, polling: 100 });
}

const epochLines = (text) => text.split('\n').map((l) => l.trimEnd()).filter((l) => l.startsWith('epoch '));

test('classic Notebook: suspend a running cell, restart the kernel from the UI, resume it', { timeout: 280_000 },
  async () => {
    const started = Date.now();
    const binary = kernelBinary();
    assert.ok(fs.existsSync(binary), `kernel binary ${binary} missing`);
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing (Debian package chromium; scripts/setup-deps.sh)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });

    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'suspendable-browser-'));
    const env = environment(root, binary);
    const notebookDir = path.join(root, 'notebooks');
    fs.mkdirSync(notebookDir);
    fs.copyFileSync(path.join(REPO, 'notebooks', NOTEBOOK), path.join(notebookDir, NOTEBOOK));
    const nbJson = JSON.parse(fs.readFileSync(path.join(notebookDir, NOTEBOOK), 'utf8'));
    const source = (c) => (Array.isArray(c.source) ? c.source.join('') : c.source);
    const definitions = nbJson.cells.find((c) => c.cell_type === 'code' && source(c).startsWith('import random'));
    assert.ok(definitions, `${NOTEBOOK}: no definitions cell`);
    const reference = uninterruptedRun(source(definitions));
    assert.equal(reference.epochs.length, 12, 'reference run: 12 epochs');
    log(`root ${root}; reference result ${reference.result}`);

    const port = await freePort();
    const token = crypto.randomBytes(24).toString('hex');
    const server = new NotebookServer(env, notebookDir, port, token, path.join(root, 'notebook-server.log'));
    let context = null;
    let page = null;
    try {
      await server.waitReady(60_000);
      log(`notebook server ready at ${server.url} (${Date.now() - started} ms)`);

      const userDataDir = fs.mkdtempSync(path.join(root, 'chromium-profile-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 1600 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = context.pages()[0] || (await context.newPage());
      page.setDefaultTimeout(30_000);
      const consoleErrors = [];
      page.on('pageerror', (e) => consoleErrors.push(String(e)));

      await page.goto(`${server.url}/notebooks/${NOTEBOOK}?token=${token}`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => window.Jupyter && window.Jupyter.notebook &&
        window.Jupyter.notebook._fully_loaded, null, { timeout: 60_000 });
      await waitKernelIdle(page, 90_000);
      const kernelName = await page.evaluate(() => window.Jupyter.notebook.kernel.name);
      assert.equal(kernelName, 'python-suspendable');
      log(`notebook open, kernel ${kernelName} idle (${Date.now() - started} ms)`);

      // 1. The definitions.
      const defsIndex = await cellIndex(page, 'import random');
      await runCell(page, defsIndex);
      await waitCell(page, defsIndex, '"400 samples"', (s) => s.stdout.includes('400 samples') || s.errors, 60_000)
        .then((s) => assert.equal(s.errors, '', `definitions cell raised:\n${s.errors}`));

      // 2. The long cell, and %suspend while it prints.
      const longIndex = await cellIndex(page, 'model = train(epochs=12)');
      const suspendIndex = await cellIndex(page, `%suspend ${SESSION}`);
      assert.equal(suspendIndex, longIndex + 1, 'the %suspend cell follows the training cell');
      await runCell(page, longIndex);
      await waitCell(page, longIndex, 'running prompt In [*]', (s) => s.prompt.includes('*'), 20_000);
      // As soon as it prints: the cell runs ~6 s, leaving time for the %suspend click even on a loaded machine.
      await waitCell(page, longIndex, '"epoch  1/12"', (s) => s.stdout.includes('epoch  1/12'), 60_000);
      const tSuspend = Date.now();
      await runCell(page, suspendIndex);
      const stopped = await waitCell(page, longIndex, 'the suspension notice',
        (s) => s.stderr.includes('[suspendable] suspended at') || s.stdout.includes('epoch 12/12'), 30_000);
      log(`training cell stopped ${Date.now() - tSuspend} ms after %suspend was run`);
      assert.ok(!stopped.stdout.includes('epoch 12/12'),
        `the training cell ran to the end: %suspend did not stop it\n${JSON.stringify(stopped, null, 1)}`);
      assert.match(stopped.stderr, new RegExp(`Continue with: %resume ${SESSION}`));
      const report = await waitCell(page, suspendIndex, `"Session '${SESSION}'"`,
        (s) => s.stdout.includes(`Session '${SESSION}'`) || s.errors, 30_000);
      assert.equal(report.errors, '', `%suspend failed:\n${report.errors}`);
      assert.match(report.stdout, /Suspended cell \[\d+\] in (train|train_batch)\(\) at line \d+ of cell \[\d+\]/);
      await waitKernelIdle(page, 30_000);
      // The lines before the suspension, settled (no more output arrives for the stopped cell).
      const before = epochLines((await cellState(page, longIndex)).stdout);
      assert.ok(before.length >= 1 && before.length < 12, `epochs before the suspension: ${before.length}`);
      assert.deepEqual(before, reference.epochs.slice(0, before.length), 'output before the suspension');
      log(`suspended after epoch ${before.length}; ${report.stdout.split('\n')[1] || ''}`);
      await cellLocator(page, longIndex).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      const suspendedShot = path.join(ARTIFACTS, 'suspended-before-restart.png');
      await page.screenshot({ path: suspendedShot });
      log(`screenshot: ${suspendedShot}`);

      // 3. Restart the kernel from the UI: Kernel menu -> Restart, confirm.
      await page.evaluate(() => {
        window.__restartSeen = false;
        window.__readyAfterRestart = false;
        const events = window.Jupyter.notebook.events;
        events.one('kernel_restarting.Kernel', () => {
          window.__restartSeen = true;
          events.one('kernel_ready.Kernel', () => { window.__readyAfterRestart = true; });
        });
      });
      await page.locator('#kernellink').click();
      await page.locator('#restart_kernel > a').click();
      const confirm = page.locator('.modal-dialog .modal-footer button', { hasText: /^Restart$/ });
      await confirm.click();
      await page.waitForFunction(() => window.__restartSeen && window.__readyAfterRestart, null,
        { timeout: 90_000, polling: 100 });
      await waitKernelIdle(page, 60_000);
      log(`kernel restarted from the UI (${Date.now() - started} ms)`);

      // 4. %resume: the training continues in this cell, its last value is displayed here.
      const resumeIndex = await cellIndex(page, `%resume ${SESSION}`);
      await runCell(page, resumeIndex);
      const resumed = await waitCell(page, resumeIndex, 'the final value',
        (s) => s.result.includes('Model(') || s.errors, 90_000);
      assert.equal(resumed.errors, '', `%resume failed:\n${resumed.errors}`);
      await waitKernelIdle(page, 30_000);
      const final = await cellState(page, resumeIndex);
      // A fresh kernel process: its execution counter started again.
      assert.match(final.prompt, /In\s*\[1\]/, `the %resume cell is not the first of a restarted kernel: ${final.prompt}`);
      // The restarted kernel restored its previous namespace by itself and says a suspended cell waits.
      assert.match(final.stdout, /Restored \d+ variables from this kernel's previous session/,
        'the first cell after the restart reports the automatic restore');
      assert.match(final.stdout, new RegExp(`A suspended cell is waiting: %resume ${SESSION}`));
      const after = epochLines(final.stdout);
      assert.deepEqual([...before, ...after], reference.epochs,
        'the epochs before the suspension and after %resume are those of an uninterrupted run');
      assert.equal(final.result.trim(), reference.result, 'the %resume cell displays the final value');
      assert.match(final.all, /Out\s*\[1\]/, 'the final value is shown as the result of the %resume cell');

      // The session's namespace is this kernel's now: the next `model` cell shows the trained model.
      const modelIndex = await cellIndex(page, 'model', true);
      assert.ok(modelIndex > resumeIndex, 'a `model` cell follows the %resume cell');
      await runCell(page, modelIndex);
      const shown = await waitCell(page, modelIndex, 'the model', (s) => s.result.includes('Model(') || s.errors, 30_000);
      assert.equal(shown.errors, '', `the model cell raised:\n${shown.errors}`);
      assert.equal(shown.result.trim(), reference.result);
      assert.deepEqual(consoleErrors, [], 'no page errors');

      // The artifact: the training cell, the %suspend cell ... the %resume cell with the final value.
      await cellLocator(page, longIndex).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      const shot = path.join(ARTIFACTS, 'suspend-resume-after-restart.png');
      await page.screenshot({ path: shot });
      log(`screenshot: ${shot}`);
      log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s: epochs ${before.length} + ${after.length}, ` +
        `final ${final.result.trim()}`);
    } catch (e) {
      if (page) {
        const shot = path.join(ARTIFACTS, 'suspend-resume-FAILED.png');
        await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
        log(`failure screenshot: ${shot}`);
      }
      log(`notebook server log (tail):\n${server.logTail(80)}`);
      throw e;
    } finally {
      const t = Date.now();
      if (context) await context.close().catch(() => {});
      log(`browser closed (${Date.now() - t} ms)`);
      await server.stop();
      log(`server stopped (${Date.now() - t} ms): ${JSON.stringify(server.exited)}`);
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    }
  });
