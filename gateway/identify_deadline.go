package gateway

import "time"

// nextReadDeadline is when the client must next have sent something: a heartbeat interval
// plus grace from now, but, while the socket has no session, never later than its Identify
// deadline. Heartbeats alone therefore cannot keep an unidentified socket open: Discord, too,
// only keeps sessions, and a socket that never identifies is never one.
func (c *conn) nextReadDeadline() time.Time {
	d := time.Now().Add(c.readDeadline())
	if c.sess == nil && !c.identifyBy.IsZero() && c.identifyBy.Before(d) {
		return c.identifyBy
	}
	return d
}

// identifyExpired reports whether a read timed out because the socket never identified.
// It answers 4003 Not authenticated (reconnectable: a library that was merely slow
// reconnects and identifies), rather than 4009, which would suggest a session existed.
func (c *conn) identifyExpired() bool {
	return c.sess == nil && !c.identifyBy.IsZero() && !time.Now().Before(c.identifyBy)
}
