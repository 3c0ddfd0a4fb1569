// Shared scenario driver for the JavaScript compatibility bots.
//
// Mirrors ../internal/scenario/scenario.go: a bot configures its library with
// base-URL knobs only, forwards ready / messageCreate / resumed events to the
// Scenario, and passes run() an adapter over the library's own REST client
// and cache. Output: one "STEP <name> ok|FAIL <reason>" line per step.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const STEPS = [
  'ready', 'cache', 'saw-human',
  'send', 'react', 'edit', 'fetch', 'delete',
  'resume-op7', 'replay-op7',
  'resume-close4000', 'replay-close4000',
];

export function loadEnv() {
  const get = (k) => {
    const v = process.env[k];
    if (!v) {
      console.log(`STEP ready FAIL missing env ${k}`);
      process.exit(2);
    }
    return v;
  };
  return {
    api: get('PARLEY_API').replace(/\/+$/, ''),
    restURL: get('PARLEY_REST_URL'),
    gatewayURL: get('PARLEY_GATEWAY_URL'),
    controlURL: get('PARLEY_CONTROL_URL').replace(/\/+$/, ''),
    botToken: get('PARLEY_BOT_TOKEN'),
    botID: get('PARLEY_BOT_ID'),
    userToken: get('PARLEY_USER_TOKEN'),
    userID: get('PARLEY_USER_ID'),
    guildID: get('PARLEY_GUILD_ID'),
    channelID: get('PARLEY_CHANNEL_ID'),
    variant: process.env.PARLEY_VARIANT ?? '',
    nonce: randomBytes(4).toString('hex'),
    debug: Boolean(process.env.PARLEY_BOT_DEBUG),
  };
}

// packageVersion reads the installed version of an npm package from js/node_modules.
export function packageVersion(name) {
  try {
    const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function info(library, version, transport) {
  console.log(`INFO library=${library} version=${version} transport=${transport}`);
}

const oneLine = (s) => String(s).replace(/[\r\n]+/g, ' ').slice(0, 400);

export function fail(name, err) {
  console.log(`STEP ${name} FAIL ${oneLine(err?.stack ? `${err.name}: ${err.message}` : err)}`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(what)), ms); }),
  ]).finally(() => clearTimeout(t));
}

async function doJSON(method, url, auth, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) headers.Authorization = auth;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status}: ${text.trim()}`);
  return text ? JSON.parse(text) : null;
}

export class Scenario {
  constructor(env, timeoutMs = 60000) {
    this.env = env;
    this.current = 'ready';
    this.messages = new Map(); // content -> author id
    this.msgWaiters = [];
    this.resumes = 0;
    this.resumeWaiters = [];
    this.readyFired = false;
    this.readyWaiters = [];
    const t = setTimeout(() => {
      console.log(`STEP ${this.current} FAIL overall timeout ${timeoutMs}ms`);
      process.exit(3);
    }, timeoutMs);
    t.unref();
    process.on('unhandledRejection', (e) => fail(this.current, e));
    process.on('uncaughtException', (e) => fail(this.current, e));
  }

  ready() {
    if (this.readyFired) return;
    this.readyFired = true;
    this.readyWaiters.splice(0).forEach((f) => f());
  }

  resumed() {
    this.resumes++;
    this.resumeWaiters.splice(0).forEach((f) => f());
  }

  message(authorID, content) {
    if (!this.messages.has(content)) this.messages.set(content, authorID);
    this.msgWaiters.splice(0).forEach((f) => f());
  }

  async waitMessage(content) {
    while (!this.messages.has(content)) {
      await new Promise((r) => this.msgWaiters.push(r));
    }
    return this.messages.get(content);
  }

  async step(name, ms, f) {
    this.current = name;
    try {
      await withTimeout(Promise.resolve().then(f), ms, `step timed out after ${ms}ms`);
    } catch (e) {
      fail(name, e);
    }
    console.log(`STEP ${name} ok`);
  }

  async postAsHuman(content) {
    const e = this.env;
    await doJSON('POST', `${e.api}/v10/channels/${e.channelID}/messages`, e.userToken, { content });
  }

  async disconnect(mode, code, thenPost) {
    const e = this.env;
    const body = { user_id: e.botID, mode };
    if (code) body.code = code;
    if (thenPost) body.then_post = { channel_id: e.channelID, author_id: e.userID, content: thenPost };
    const out = await doJSON('POST', `${e.controlURL}/disconnect`, '', body);
    if (!out || !(out.disconnected >= 1)) throw new Error(`test control disconnect: ${JSON.stringify(out)}`);
  }

  // lib: { cached(guildID, channelID), send(ch, content) -> {id, content},
  //        react(ch, id, emoji), edit(ch, id, content) -> content,
  //        fetch(ch, id) -> content, delete(ch, id) }
  async run(lib) {
    const e = this.env;
    await this.step('ready', 30000, () => (this.readyFired ? null : new Promise((r) => this.readyWaiters.push(r))));
    await this.step('cache', 15000, async () => {
      const deadline = Date.now() + 10000;
      for (;;) {
        try {
          await lib.cached(e.guildID, e.channelID);
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
        await sleep(50);
      }
    });
    await this.step('saw-human', 10000, async () => {
      const content = `human says hi ${e.nonce}`;
      await this.postAsHuman(content);
      const author = await this.waitMessage(content);
      if (author !== e.userID) throw new Error(`author id ${author}, want ${e.userID}`);
    });
    let id;
    await this.step('send', 10000, async () => {
      const want = `bot says hi ${e.nonce}`;
      const m = await lib.send(e.channelID, want);
      id = m.id;
      if (!id || m.content !== want) throw new Error(`created message id=${m.id} content=${JSON.stringify(m.content)}, want ${JSON.stringify(want)}`);
    });
    await this.step('react', 10000, () => lib.react(e.channelID, id, '👍'));
    const edited = `bot edited ${e.nonce}`;
    await this.step('edit', 10000, async () => {
      const got = await lib.edit(e.channelID, id, edited);
      if (got !== edited) throw new Error(`edit returned content ${JSON.stringify(got)}, want ${JSON.stringify(edited)}`);
    });
    await this.step('fetch', 10000, async () => {
      const got = await lib.fetch(e.channelID, id);
      if (got !== edited) throw new Error(`fetched content ${JSON.stringify(got)}, want ${JSON.stringify(edited)}`);
    });
    await this.step('delete', 10000, () => lib.delete(e.channelID, id));
    for (const [name, mode, code] of [['op7', 'reconnect', 0], ['close4000', 'close', 4000]]) {
      const content = `posted while ${name} ${e.nonce}`;
      await this.step(`resume-${name}`, 20000, async () => {
        const before = this.resumes;
        const resumed = new Promise((r) => {
          const check = () => (this.resumes > before ? r() : this.resumeWaiters.push(check));
          check();
        });
        await this.disconnect(mode, code, content);
        await withTimeout(resumed, 20000, 'library resumed event did not fire');
      });
      await this.step(`replay-${name}`, 10000, async () => {
        await withTimeout(this.waitMessage(content), 10000, `no MESSAGE_CREATE with content ${JSON.stringify(content)}`);
      });
    }
  }
}
