// oceanic.js bot for the Parley compatibility suite.
//
// Knobs: rest: { baseURL: PARLEY_API + "/v10" }; the gateway URL comes from
// the server's GET /api/v10/gateway/bot. PARLEY_VARIANT: "zlib-stream"
// (gateway.compress: "zlib-stream", decompressed with the installed zlib-sync
// or node:zlib) or "none" (oceanic's default).
import { createRequire } from 'node:module';
import { Scenario, loadEnv, info, fail, packageVersion } from './common.mjs';

const env = loadEnv();
const sc = new Scenario(env, 60000);
const variant = env.variant || 'zlib-stream';
if (variant !== 'none' && variant !== 'zlib-stream') fail('ready', `unknown PARLEY_VARIANT ${variant}`);
const require = createRequire(import.meta.url);
const { Client, ChannelTypes } = require('oceanic.js');
info('oceanic.js', packageVersion('oceanic.js'), variant);

const gateway = { intents: ['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT', 'GUILD_MESSAGE_REACTIONS'] };
if (variant === 'zlib-stream') gateway.compress = 'zlib-stream';
const client = new Client({
  auth: `Bot ${env.botToken}`,
  gateway,
  rest: { baseURL: `${env.api}/v10` },
});
if (env.debug) client.on('debug', (m) => console.error('[debug]', m));
client.on('error', (e) => console.error('[error]', e));
client.on('ready', () => sc.ready());
client.on('shardResume', () => sc.resumed());
client.on('messageCreate', (m) => sc.message(m.author?.id, m.content));

const lib = {
  cached(guildID, channelID) {
    const g = client.guilds.get(guildID);
    if (!g) throw new Error(`guild ${guildID} not in cache`);
    const ch = client.getChannel(channelID);
    if (!ch) throw new Error(`channel ${channelID} not in cache`);
    if (ch.guildID !== guildID || ch.type !== ChannelTypes.GUILD_TEXT) throw new Error(`channel ${channelID}: guild ${ch.guildID} type ${ch.type}`);
  },
  async send(channelID, content) {
    const m = await client.rest.channels.createMessage(channelID, { content });
    return { id: m.id, content: m.content };
  },
  async react(channelID, id, emoji) {
    await client.rest.channels.createReaction(channelID, id, emoji);
  },
  async edit(channelID, id, content) {
    return (await client.rest.channels.editMessage(channelID, id, { content })).content;
  },
  async fetch(channelID, id) {
    return (await client.rest.channels.getMessage(channelID, id)).content;
  },
  async delete(channelID, id) {
    await client.rest.channels.deleteMessage(channelID, id);
  },
};

client.connect().catch((e) => fail('ready', e));
await sc.run(lib);
client.disconnect(false);
process.exit(0);
