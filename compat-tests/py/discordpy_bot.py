#!/usr/bin/python3
"""discord.py bot for the Parley compatibility suite.

Run with the Debian interpreter: /usr/bin/python3 (python3-discord 2.2.2).

Knobs (the library's own class attributes; nothing is patched):
  discord.http.Route.BASE = PARLEY_API + "/v10"
  discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(PARLEY_GATEWAY_URL + "/")
discord.py always requests zlib-stream transport compression.

Prints the same STEP lines, in the same order, as ../internal/scenario and
../js/common.mjs.
"""
import asyncio
import logging
import os
import secrets
import sys

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

STEPS = [
    "ready", "cache", "saw-human",
    "send", "react", "edit", "fetch", "delete",
    "resume-op7", "replay-op7",
    "resume-close4000", "replay-close4000",
]


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_line(s):
    s = str(s).replace("\r", " ").replace("\n", " ")
    return s[:400]


def load_env():
    env = {}
    for k in ("PARLEY_API", "PARLEY_REST_URL", "PARLEY_GATEWAY_URL", "PARLEY_CONTROL_URL",
              "PARLEY_BOT_TOKEN", "PARLEY_BOT_ID", "PARLEY_USER_TOKEN", "PARLEY_USER_ID",
              "PARLEY_GUILD_ID", "PARLEY_CHANNEL_ID"):
        v = os.environ.get(k)
        if not v:
            out(f"STEP ready FAIL missing env {k}")
            os._exit(2)
        env[k] = v
    env["PARLEY_API"] = env["PARLEY_API"].rstrip("/")
    env["PARLEY_CONTROL_URL"] = env["PARLEY_CONTROL_URL"].rstrip("/")
    env["variant"] = os.environ.get("PARLEY_VARIANT") or "zlib-stream"
    env["nonce"] = secrets.token_hex(4)
    return env


ENV = load_env()
CURRENT = ["ready"]


def fail(name, err):
    if isinstance(err, BaseException):
        err = f"{type(err).__name__}: {err}"
    out(f"STEP {name} FAIL {one_line(err)}")
    os._exit(1)


if os.environ.get("PARLEY_BOT_DEBUG"):
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
else:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

discord.http.Route.BASE = ENV["PARLEY_API"] + "/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(ENV["PARLEY_GATEWAY_URL"].rstrip("/") + "/")

out(f"INFO library=discord.py version={discord.__version__} transport=zlib-stream")

intents = discord.Intents.default()
intents.message_content = True
client = discord.Client(intents=intents)

ready_event = asyncio.Event()
messages = {}  # content -> author id
msg_cond = None
resumes = [0]
resume_cond = None


@client.event
async def on_ready():
    ready_event.set()


@client.event
async def on_resumed():
    resumes[0] += 1
    async with resume_cond:
        resume_cond.notify_all()


@client.event
async def on_message(m):
    messages.setdefault(m.content, str(m.author.id))
    async with msg_cond:
        msg_cond.notify_all()


async def wait_message(content):
    async with msg_cond:
        await msg_cond.wait_for(lambda: content in messages)
    return messages[content]


async def do_json(session, method, url, auth, body):
    headers = {}
    if auth:
        headers["Authorization"] = auth
    async with session.request(method, url, json=body, headers=headers) as r:
        text = await r.text()
        if r.status // 100 != 2:
            raise RuntimeError(f"{method} {url}: {r.status}: {text.strip()}")
        return await r.json(content_type=None) if text else None


async def step(name, timeout, coro_fn):
    CURRENT[0] = name
    try:
        await asyncio.wait_for(coro_fn(), timeout)
    except asyncio.TimeoutError:
        fail(name, f"step timed out after {timeout}s")
    except Exception as e:  # noqa: BLE001 - report any library error as the step failure
        fail(name, e)
    out(f"STEP {name} ok")


async def scenario():
    e = ENV
    ch_id = int(e["PARLEY_CHANNEL_ID"])
    guild_id = int(e["PARLEY_GUILD_ID"])
    async with aiohttp.ClientSession() as http:
        await step("ready", 30, ready_event.wait)

        async def cache():
            last = None
            for _ in range(200):
                g = client.get_guild(guild_id)
                ch = client.get_channel(ch_id)
                if g is None:
                    last = f"guild {guild_id} not in cache"
                elif ch is None:
                    last = f"channel {ch_id} not in cache"
                elif getattr(ch, "guild", None) is not g or ch.type != discord.ChannelType.text:
                    last = f"channel {ch_id}: guild {getattr(ch, 'guild', None)} type {ch.type}"
                else:
                    return
                await asyncio.sleep(0.05)
            raise RuntimeError(last)
        await step("cache", 15, cache)

        async def saw_human():
            content = f"human says hi {e['nonce']}"
            await do_json(http, "POST", f"{e['PARLEY_API']}/v10/channels/{ch_id}/messages",
                          e["PARLEY_USER_TOKEN"], {"content": content})
            author = await wait_message(content)
            if author != e["PARLEY_USER_ID"]:
                raise RuntimeError(f"author id {author}, want {e['PARLEY_USER_ID']}")
        await step("saw-human", 10, saw_human)

        channel = client.get_channel(ch_id)
        sent = {}

        async def send():
            want = f"bot says hi {e['nonce']}"
            m = await channel.send(want)
            sent["m"] = m
            if not m.id or m.content != want:
                raise RuntimeError(f"created message id={m.id} content={m.content!r}, want {want!r}")
        await step("send", 10, send)

        async def react():
            await sent["m"].add_reaction("👍")
        await step("react", 10, react)

        edited = f"bot edited {e['nonce']}"

        async def edit():
            m = await sent["m"].edit(content=edited)
            if m.content != edited:
                raise RuntimeError(f"edit returned content {m.content!r}, want {edited!r}")
        await step("edit", 10, edit)

        async def fetch():
            m = await channel.fetch_message(sent["m"].id)
            if m.content != edited:
                raise RuntimeError(f"fetched content {m.content!r}, want {edited!r}")
        await step("fetch", 10, fetch)

        async def delete():
            await sent["m"].delete()
        await step("delete", 10, delete)

        for name, mode, code in (("op7", "reconnect", 0), ("close4000", "close", 4000)):
            content = f"posted while {name} {e['nonce']}"

            async def resume(mode=mode, code=code, content=content):
                before = resumes[0]
                body = {"user_id": e["PARLEY_BOT_ID"], "mode": mode,
                        "then_post": {"channel_id": e["PARLEY_CHANNEL_ID"],
                                      "author_id": e["PARLEY_USER_ID"], "content": content}}
                if code:
                    body["code"] = code
                res = await do_json(http, "POST", f"{e['PARLEY_CONTROL_URL']}/disconnect", "", body)
                if not res or res.get("disconnected", 0) < 1:
                    raise RuntimeError(f"test control disconnect: {res!r}")
                async with resume_cond:
                    await resume_cond.wait_for(lambda: resumes[0] > before)
            await step(f"resume-{name}", 20, resume)

            async def replay(content=content):
                await wait_message(content)
            await step(f"replay-{name}", 10, replay)


async def main():
    global msg_cond, resume_cond
    msg_cond = asyncio.Condition()
    resume_cond = asyncio.Condition()

    async def overall():
        await asyncio.sleep(60)
        out(f"STEP {CURRENT[0]} FAIL overall timeout 60s")
        os._exit(3)
    asyncio.get_running_loop().create_task(overall())

    async def run_client():
        try:
            await client.start(ENV["PARLEY_BOT_TOKEN"])
        except Exception as e:  # noqa: BLE001
            fail(CURRENT[0], e)
        fail(CURRENT[0], "client stopped")
    asyncio.get_running_loop().create_task(run_client())
    await scenario()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
