// eris bot for the Parley compatibility suite.
//
// Knobs: eris's REST client is hard-wired to https.request, so it gets
// rest: { domain, baseURL: "/api/v10", agent } where agent is an https.Agent
// whose createConnection returns a plain TCP socket to the REST listener (Node
// then speaks clear-text HTTP/1.1 over it). The gateway URL comes from the
// server's GET /api/v10/gateway/bot. PARLEY_VARIANT: "none" (eris default) or
// "zlib-stream" (compress: true; uses the installed zlib-sync).
import https from 'node:https';
import net from 'node:net';
import { createRequire } from 'node:module';
import { Scenario, loadEnv, info, fail, packageVersion } from './common.mjs';

const env = loadEnv();
const sc = new Scenario(env, 60000);
const variant = env.variant || 'none';
if (variant !== 'none' && variant !== 'zlib-stream') fail('ready', `unknown PARLEY_VARIANT ${variant}`);
const require = createRequire(import.meta.url);
const Eris = require('eris');
info('eris', packageVersion('eris'), variant);

const api = new URL(env.api);
class PlainAgent extends https.Agent {
  createConnection() {
    return net.connect({ host: api.hostname, port: Number(api.port) });
  }
}

const bot = new Eris(`Bot ${env.botToken}`, {
  intents: ['guilds', 'guildMessages', 'messageContent', 'guildMessageReactions'],
  compress: variant === 'zlib-stream',
  rest: { domain: api.hostname, baseURL: `${api.pathname.replace(/\/+$/, '')}/v10`, agent: new PlainAgent() },
});
if (env.debug) bot.on('debug', (m) => console.error('[debug]', m));
bot.on('error', (e) => console.error('[error]', e));
bot.on('ready', () => sc.ready());
bot.on('shardResume', () => sc.resumed());
bot.on('messageCreate', (m) => sc.message(m.author?.id, m.content));

const lib = {
  cached(guildID, channelID) {
    const g = bot.guilds.get(guildID);
    if (!g) throw new Error(`guild ${guildID} not in cache`);
    const ch = bot.getChannel(channelID);
    if (!ch) throw new Error(`channel ${channelID} not in cache`);
    if (ch.guild?.id !== guildID || ch.type !== 0) throw new Error(`channel ${channelID}: guild ${ch.guild?.id} type ${ch.type}`);
  },
  async send(channelID, content) {
    const m = await bot.createMessage(channelID, content);
    return { id: m.id, content: m.content };
  },
  async react(channelID, id, emoji) {
    await bot.addMessageReaction(channelID, id, emoji);
  },
  async edit(channelID, id, content) {
    return (await bot.editMessage(channelID, id, content)).content;
  },
  async fetch(channelID, id) {
    return (await bot.getMessage(channelID, id)).content;
  },
  async delete(channelID, id) {
    await bot.deleteMessage(channelID, id);
  },
};

bot.connect().catch((e) => fail('ready', e));
await sc.run(lib);
bot.disconnect({ reconnect: false });
process.exit(0);
