package gateway

import (
	"encoding/json"
	"net/http"
	"runtime"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Test controls: non-upgrade HTTP endpoints on the gateway handler, served only with
// Config.TestControls. They let black-box tests force a bot's session off and count its
// Identifies and Resumes, through the same code paths a real drop takes.
//
//	GET  /_parley/test/stats?user_id=ID
//	     → {"identifies":N,"resumes":N,"sessions":N}
//	GET  /_parley/test/runtime
//	     → {"goroutines":N,"heap_inuse":BYTES}
//	POST /_parley/test/disconnect
//	     {"user_id":"…","mode":"reconnect"|"close"|"heartbeat","code":4000,
//	      "then_post":{"channel_id":"…","author_id":"…","content":"…"}}
//	     → {"disconnected":N}
//
// mode "reconnect" sends op 7 and detaches the session at once (later dispatches only reach
// its replay buffer), closing the socket a little later if the client has not; "close"
// closes with code (default 4000) and keeps the session resumable; "heartbeat" sends a
// server-initiated op 1 and leaves the session alone. then_post creates a message after the
// detach, so the client can only get it through RESUME's replay.
const controlsPrefix = "/_parley/test/"

// reconnectCloseDelay is how long a socket told to reconnect may stay open before the server
// closes it itself.
const reconnectCloseDelay = 2 * time.Second

type disconnectRequest struct {
	UserID   snowflake.ID `json:"user_id"`
	Mode     string       `json:"mode"`
	Code     int          `json:"code"`
	ThenPost *struct {
		ChannelID snowflake.ID `json:"channel_id"`
		AuthorID  snowflake.ID `json:"author_id"`
		Content   string       `json:"content"`
	} `json:"then_post"`
}

func (s *Server) serveControls(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == controlsPrefix+"stats" && r.Method == http.MethodGet:
		var uid snowflake.ID
		if err := uid.UnmarshalText([]byte(r.URL.Query().Get("user_id"))); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "user_id: " + err.Error(), "code": 0})
			return
		}
		ids, res := s.stats.get(uid)
		writeJSON(w, http.StatusOK, map[string]int{
			"identifies": ids,
			"resumes":    res,
			"sessions":   len(s.hub.userSessions(uid)),
		})
	case r.URL.Path == controlsPrefix+"runtime" && r.Method == http.MethodGet:
		// For the hostile-client tests: goroutines and heap of the whole process, after a
		// collection, so a leak shows as a count that does not come back down.
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		writeJSON(w, http.StatusOK, map[string]uint64{
			"goroutines": uint64(runtime.NumGoroutine()),
			"heap_inuse": ms.HeapInuse,
		})
	case r.URL.Path == controlsPrefix+"disconnect" && r.Method == http.MethodPost:
		var req disconnectRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "body: " + err.Error(), "code": 0})
			return
		}
		if req.ThenPost != nil && s.cfg.PostMessage == nil {
			writeJSON(w, http.StatusNotImplemented, map[string]any{"message": "then_post needs Config.PostMessage", "code": 0})
			return
		}
		n, ok := s.forceDisconnect(req)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "mode must be reconnect, close or heartbeat", "code": 0})
			return
		}
		if req.ThenPost != nil {
			tp := req.ThenPost
			if err := s.cfg.PostMessage(r.Context(), tp.AuthorID, tp.ChannelID, tp.Content); err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]any{"message": "then_post: " + err.Error(), "code": 0})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]int{"disconnected": n})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

// forceDisconnect applies a disconnect request to every attached session of the user.
func (s *Server) forceDisconnect(req disconnectRequest) (int, bool) {
	switch req.Mode {
	case "reconnect", "close", "heartbeat":
	default:
		return 0, false
	}
	code := opcodes.CloseCode(req.Code)
	if code == 0 {
		code = opcodes.CloseUnknownError
	}
	n := 0
	for _, sess := range s.hub.userSessions(req.UserID) {
		sess.mu.Lock()
		c := sess.conn
		if c == nil {
			sess.mu.Unlock()
			continue
		}
		switch req.Mode {
		case "heartbeat":
			c.enqueue(frame{op: opcodes.Heartbeat, p: dNull}, false)
		case "reconnect":
			sess.detachLocked(c)
			c.enqueue(frame{op: opcodes.Reconnect, p: dNull}, false)
			time.AfterFunc(reconnectCloseDelay, func() { c.closeAfterQueue(opcodes.CloseUnknownError, "reconnect") })
		case "close":
			sess.detachLocked(c)
			c.closeAfterQueue(code, "closed by test control")
		}
		sess.mu.Unlock()
		n++
	}
	return n, true
}
