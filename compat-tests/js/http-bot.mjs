// An HTTP-only bot (no gateway) on the published discord-interactions library: its
// verifyKeyMiddleware checks Ed25519 signatures against the application's public key, refuses
// bad ones with 401 and PONGs PINGs itself. Driven by ../http_bot_test.go.
//
// Env: PARLEY_API (…/api), PARLEY_BOT_TOKEN. Prints "listening <port>" once serving.
import http from 'node:http';
import { verifyKeyMiddleware, InteractionType, InteractionResponseType } from 'discord-interactions';

const api = process.env.PARLEY_API;
const token = process.env.PARLEY_BOT_TOKEN;

// The public key a developer copies from the portal: here, the application object's verify_key.
const me = await fetch(`${api}/v10/applications/@me`, { headers: { Authorization: `Bot ${token}` } });
if (!me.ok) throw new Error(`GET /applications/@me: ${me.status}`);
const { verify_key: publicKey } = await me.json();
const verify = verifyKeyMiddleware(publicKey);

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/interactions') {
    res.statusCode = 404;
    res.end();
    return;
  }
  // The middleware is written for Express; node's request lacks only req.header().
  req.header = (name) => req.headers[name.toLowerCase()];
  verify(req, res, () => {
    const interaction = req.body;
    if (interaction.type === InteractionType.APPLICATION_COMMAND && interaction.data.name === 'echo') {
      const text = interaction.data.options?.find((o) => o.name === 'text')?.value ?? '';
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({
        type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
        data: { content: `http bot heard: ${text}` },
      }));
      console.log(`answered ${interaction.id}`);
      return;
    }
    res.statusCode = 400;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
