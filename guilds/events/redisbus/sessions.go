package redisbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/events"
)

// Sessions is an events.SessionStore on Redis: any node can resume a gateway session another
// node served. Per session: a hash <prefix>gs:<id> (state, owner, last seq) and a list
// <prefix>gs:<id>:f of encoded frames, both expiring TTL after the last write. Every write is
// a Lua script fenced by the owner; a batch is one pipeline (one round trip per flush).
type Sessions struct {
	client *redis.Client
	prefix string
	lim    events.SessionLimits
}

// maxFramesPerCall keeps one script call's argument list well under Lua's unpack limit.
const maxFramesPerCall = 1000

// sessionWriteScript: KEYS hash, list; ARGV owner, state ("" unchanged), limit, ttl ms, last
// seq, frames…
var sessionWriteScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'owner')
if cur == false then
  if ARGV[2] == '' then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'state', ARGV[2], 'owner', ARGV[1]) end
if #ARGV > 5 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 6))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
  redis.call('HSET', KEYS[1], 'last', ARGV[5])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`)

var sessionClaimScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'owner')
if cur == false then return false end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
return cur
`)

var sessionDeleteScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  return redis.call('DEL', KEYS[1], KEYS[2])
end
return 0
`)

// NewSessions connects to url. lim.Limit is the replay buffer size, lim.TTL the resume
// window.
func NewSessions(ctx context.Context, url, prefix string, lim events.SessionLimits) (*Sessions, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisbus: redis url: %w", err)
	}
	if prefix == "" {
		prefix = "parley:"
	}
	if lim.Limit <= 0 || lim.TTL <= 0 {
		return nil, errors.New("redisbus: session limits must be positive")
	}
	s := &Sessions{client: redis.NewClient(opt), prefix: prefix, lim: lim}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.client.Ping(pctx).Err(); err != nil {
		_ = s.client.Close()
		return nil, fmt.Errorf("redisbus: redis %s unreachable: %w", opt.Addr, err)
	}
	return s, nil
}

// Close releases the connection pool.
func (s *Sessions) Close() error { return s.client.Close() }

func (s *Sessions) keys(id string) []string {
	h := s.prefix + "gs:" + id
	return []string{h, h + ":f"}
}

// Write implements events.SessionStore: one pipeline for the whole batch.
func (s *Sessions) Write(ctx context.Context, ws []events.SessionWrite) error {
	if len(ws) == 0 {
		return nil
	}
	pipe := s.client.Pipeline()
	ttl := strconv.FormatInt(s.lim.TTL.Milliseconds(), 10)
	limit := strconv.Itoa(s.lim.Limit)
	for _, w := range ws {
		state := ""
		if w.State != nil {
			b, err := json.Marshal(w.State)
			if err != nil {
				return fmt.Errorf("redisbus: encode session state: %w", err)
			}
			state = string(b)
		}
		frames := w.Frames
		for first := true; first || len(frames) > 0; first = false {
			n := min(len(frames), maxFramesPerCall)
			args := make([]any, 5, 5+n)
			args[0], args[1], args[2], args[3] = w.Owner, state, limit, ttl
			args[4] = "0"
			if n > 0 {
				args[4] = strconv.FormatInt(frames[n-1].Seq, 10)
			}
			for _, f := range frames[:n] {
				args = append(args, encodeFrame(f))
			}
			sessionWriteScript.Run(ctx, pipe, s.keys(w.ID), args...)
			frames, state = frames[n:], ""
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		// NOSCRIPT on a fresh server: load the script once, retry the batch.
		if redis.HasErrorPrefix(err, "NOSCRIPT") {
			if lerr := sessionWriteScript.Load(ctx, s.client).Err(); lerr != nil {
				return fmt.Errorf("redisbus: load session script: %w", lerr)
			}
			return s.Write(ctx, ws)
		}
		return fmt.Errorf("redisbus: write sessions: %w", err)
	}
	return nil
}

// Load implements events.SessionStore.
func (s *Sessions) Load(ctx context.Context, id string) (events.SessionState, int64, []events.SessionFrame, error) {
	k := s.keys(id)
	pipe := s.client.Pipeline()
	h := pipe.HGetAll(ctx, k[0])
	l := pipe.LRange(ctx, k[1], 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return events.SessionState{}, 0, nil, fmt.Errorf("redisbus: load session: %w", err)
	}
	fields := h.Val()
	var st events.SessionState
	if fields["state"] == "" {
		return st, 0, nil, events.ErrNoSession
	}
	if err := json.Unmarshal([]byte(fields["state"]), &st); err != nil {
		return st, 0, nil, fmt.Errorf("redisbus: decode session state: %w", err)
	}
	st.Owner = fields["owner"]
	last, _ := strconv.ParseInt(fields["last"], 10, 64)
	raw := l.Val()
	frames := make([]events.SessionFrame, 0, len(raw))
	for _, r := range raw {
		f, err := decodeFrame(r)
		if err != nil {
			return st, 0, nil, err
		}
		frames = append(frames, f)
	}
	return st, last, frames, nil
}

// Claim implements events.SessionStore.
func (s *Sessions) Claim(ctx context.Context, id, owner string) (string, error) {
	prev, err := sessionClaimScript.Run(ctx, s.client, s.keys(id), owner).Text()
	if errors.Is(err, redis.Nil) {
		return "", events.ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("redisbus: claim session: %w", err)
	}
	return prev, nil
}

// Owner implements events.SessionStore.
func (s *Sessions) Owner(ctx context.Context, id string) (string, error) {
	o, err := s.client.HGet(ctx, s.keys(id)[0], "owner").Result()
	if errors.Is(err, redis.Nil) {
		return "", events.ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("redisbus: session owner: %w", err)
	}
	return o, nil
}

// Delete implements events.SessionStore.
func (s *Sessions) Delete(ctx context.Context, id, owner string) error {
	if err := sessionDeleteScript.Run(ctx, s.client, s.keys(id), owner).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisbus: delete session: %w", err)
	}
	return nil
}

// errBadFrame is a frame in Redis that encodeFrame did not write.
var errBadFrame = errors.New("redisbus: malformed session frame")

// encodeFrame is "<seq> <name> <d>": no JSON pass over d, which is already encoded.
func encodeFrame(f events.SessionFrame) []byte {
	b := make([]byte, 0, 24+len(f.Name)+len(f.Data))
	b = strconv.AppendInt(b, f.Seq, 10)
	b = append(b, ' ')
	b = append(b, f.Name...)
	b = append(b, ' ')
	return append(b, f.Data...)
}

func decodeFrame(r string) (events.SessionFrame, error) {
	seq, rest, ok := strings.Cut(r, " ")
	if !ok {
		return events.SessionFrame{}, errBadFrame
	}
	name, data, ok := strings.Cut(rest, " ")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil {
		return events.SessionFrame{}, errBadFrame
	}
	return events.SessionFrame{Seq: n, Name: name, Data: []byte(data)}, nil
}
