// discord.js bot for the Parley compatibility suite.
//
// Knob: new Client({ rest: { api: PARLEY_API } }); the gateway URL comes from
// the server's GET /api/v10/gateway/bot. PARLEY_VARIANT:
//   "zlib-stream" - discord.js's own behaviour when the optional zlib-sync
//                   package is installed (it is, in js/package.json);
//   "none"        - simulates an install without zlib-sync: the require of
//                   'zlib-sync' is made to fail before discord.js loads, so
//                   discord.js falls back to uncompressed JSON text frames.
import Module, { createRequire } from 'node:module';
import { Scenario, loadEnv, info, fail, packageVersion } from './common.mjs';

const env = loadEnv();
const sc = new Scenario(env, 60000);
const variant = env.variant || 'none';
if (variant === 'none') {
  const load = Module._load;
  Module._load = function hideZlibSync(request, ...rest) {
    if (request === 'zlib-sync') {
      const err = new Error("Cannot find module 'zlib-sync' (hidden by the compat test: variant none)");
      err.code = 'MODULE_NOT_FOUND';
      throw err;
    }
    return load.call(this, request, ...rest);
  };
} else if (variant !== 'zlib-stream') {
  fail('ready', `unknown PARLEY_VARIANT ${variant}`);
}

const require = createRequire(import.meta.url);
const { Client, GatewayIntentBits, Events, ChannelType } = require('discord.js');
info('discord.js', packageVersion('discord.js'), variant);

const client = new Client({
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.MessageContent,
    GatewayIntentBits.GuildMessageReactions,
  ],
  rest: { api: env.api },
});
if (env.debug) client.on(Events.Debug, (m) => console.error('[debug]', m));
client.on(Events.Error, (e) => console.error('[error]', e));
client.on(Events.ClientReady, () => sc.ready());
client.on(Events.ShardResume, () => sc.resumed());
client.on(Events.MessageCreate, (m) => sc.message(m.author?.id, m.content));

const sent = new Map();
const lib = {
  cached(guildID, channelID) {
    if (!client.guilds.cache.has(guildID)) throw new Error(`guild ${guildID} not in cache`);
    const ch = client.channels.cache.get(channelID);
    if (!ch) throw new Error(`channel ${channelID} not in cache`);
    if (ch.guildId !== guildID || ch.type !== ChannelType.GuildText) throw new Error(`channel ${channelID}: guild ${ch.guildId} type ${ch.type}`);
  },
  async send(channelID, content) {
    const m = await client.channels.cache.get(channelID).send(content);
    sent.set(m.id, m);
    return { id: m.id, content: m.content };
  },
  async react(channelID, id, emoji) {
    await sent.get(id).react(emoji);
  },
  async edit(channelID, id, content) {
    const m = await sent.get(id).edit(content);
    return m.content;
  },
  async fetch(channelID, id) {
    const m = await client.channels.cache.get(channelID).messages.fetch({ message: id, force: true, cache: false });
    return m.content;
  },
  async delete(channelID, id) {
    await sent.get(id).delete();
  },
};

client.login(env.botToken).catch((e) => fail('ready', e));
await sc.run(lib);
await client.destroy();
process.exit(0);
