// @discordjs/ws 2.x + @discordjs/rest bot for the Parley compatibility suite.
//
// Knobs: new REST({ api: PARLEY_API }) (handed to the WebSocketManager, which
// reads GET /api/v10/gateway/bot for the gateway URL) and
// compression: CompressionMethod.ZlibNative (zlib-stream via node:zlib).
// @discordjs/ws has no cache; "cache" here is the GUILD_CREATE payloads seen.
import { WebSocketManager, WebSocketShardEvents, CompressionMethod } from '@discordjs/ws';
import { REST } from '@discordjs/rest';
import { GatewayDispatchEvents, GatewayIntentBits, Routes, ChannelType } from 'discord-api-types/v10';
import { Scenario, loadEnv, info, fail, packageVersion } from './common.mjs';

const env = loadEnv();
const sc = new Scenario(env, 60000);
const variant = env.variant || 'zlib-native';
if (variant !== 'zlib-native') fail('ready', `unknown PARLEY_VARIANT ${variant}`);
info('@discordjs/ws', `${packageVersion('@discordjs/ws')} (+@discordjs/rest ${packageVersion('@discordjs/rest')})`, 'zlib-stream (CompressionMethod.ZlibNative)');

const rest = new REST({ api: env.api }).setToken(env.botToken);
const manager = new WebSocketManager({
  token: env.botToken,
  intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages
    | GatewayIntentBits.MessageContent | GatewayIntentBits.GuildMessageReactions,
  rest,
  compression: CompressionMethod.ZlibNative,
});

const guilds = new Map(); // guild id -> GUILD_CREATE data
if (env.debug) manager.on(WebSocketShardEvents.Debug, (m) => console.error('[debug]', m));
manager.on(WebSocketShardEvents.Error, (e) => console.error('[error]', e));
manager.on(WebSocketShardEvents.Ready, () => sc.ready());
manager.on(WebSocketShardEvents.Resumed, () => sc.resumed());
manager.on(WebSocketShardEvents.Dispatch, (payload) => {
  switch (payload.t) {
    case GatewayDispatchEvents.GuildCreate:
      guilds.set(payload.d.id, payload.d);
      break;
    case GatewayDispatchEvents.MessageCreate:
      sc.message(payload.d.author?.id, payload.d.content);
      break;
    default:
  }
});

const lib = {
  cached(guildID, channelID) {
    const g = guilds.get(guildID);
    if (!g) throw new Error(`no GUILD_CREATE for guild ${guildID}`);
    const ch = (g.channels ?? []).find((c) => c.id === channelID);
    if (!ch) throw new Error(`GUILD_CREATE for ${guildID} lacks channel ${channelID}`);
    if (ch.type !== ChannelType.GuildText) throw new Error(`channel ${channelID} type ${ch.type}`);
  },
  async send(channelID, content) {
    const m = await rest.post(Routes.channelMessages(channelID), { body: { content } });
    return { id: m.id, content: m.content };
  },
  async react(channelID, id, emoji) {
    await rest.put(Routes.channelMessageOwnReaction(channelID, id, encodeURIComponent(emoji)));
  },
  async edit(channelID, id, content) {
    const m = await rest.patch(Routes.channelMessage(channelID, id), { body: { content } });
    return m.content;
  },
  async fetch(channelID, id) {
    const m = await rest.get(Routes.channelMessage(channelID, id));
    return m.content;
  },
  async delete(channelID, id) {
    await rest.delete(Routes.channelMessage(channelID, id));
  },
};

manager.connect().catch((e) => fail('ready', e));
await sc.run(lib);
await manager.destroy();
process.exit(0);
